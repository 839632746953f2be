namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>Substitution matrices the alignment tools score residue pairs with.</summary>
public static class SubstitutionMatrices
{
    /// <summary>The residues BLOSUM62 covers, in the matrix's own order: the 20 amino acids, B (D/N), Z (E/Q), X (any), * (stop).</summary>
    public const string Blosum62Alphabet = "ARNDCQEGHILKMFPSTWYVBZX*";

    // BLOSUM62 (Henikoff & Henikoff 1992) in half-bits, as NCBI distributes it (ftp.ncbi.nih.gov/blast/matrices/BLOSUM62)
    // and EMBOSS ships it (EBLOSUM62). Kept as the published text so it can be checked against the source by eye.
    private const string Blosum62Text = """
           A  R  N  D  C  Q  E  G  H  I  L  K  M  F  P  S  T  W  Y  V  B  Z  X  *
        A  4 -1 -2 -2  0 -1 -1  0 -2 -1 -1 -1 -1 -2 -1  1  0 -3 -2  0 -2 -1  0 -4
        R -1  5  0 -2 -3  1  0 -2  0 -3 -2  2 -1 -3 -2 -1 -1 -3 -2 -3 -1  0 -1 -4
        N -2  0  6  1 -3  0  0  0  1 -3 -3  0 -2 -3 -2  1  0 -4 -2 -3  3  0 -1 -4
        D -2 -2  1  6 -3  0  2 -1 -1 -3 -4 -1 -3 -3 -1  0 -1 -4 -3 -3  4  1 -1 -4
        C  0 -3 -3 -3  9 -3 -4 -3 -3 -1 -1 -3 -1 -2 -3 -1 -1 -2 -2 -1 -3 -3 -2 -4
        Q -1  1  0  0 -3  5  2 -2  0 -3 -2  1  0 -3 -1  0 -1 -2 -1 -2  0  3 -1 -4
        E -1  0  0  2 -4  2  5 -2  0 -3 -3  1 -2 -3 -1  0 -1 -3 -2 -2  1  4 -1 -4
        G  0 -2  0 -1 -3 -2 -2  6 -2 -4 -4 -2 -3 -3 -2  0 -2 -2 -3 -3 -1 -2 -1 -4
        H -2  0  1 -1 -3  0  0 -2  8 -3 -3 -1 -2 -1 -2 -1 -2 -2  2 -3  0  0 -1 -4
        I -1 -3 -3 -3 -1 -3 -3 -4 -3  4  2 -3  1  0 -3 -2 -1 -3 -1  3 -3 -3 -1 -4
        L -1 -2 -3 -4 -1 -2 -3 -4 -3  2  4 -2  2  0 -3 -2 -1 -2 -1  1 -4 -3 -1 -4
        K -1  2  0 -1 -3  1  1 -2 -1 -3 -2  5 -1 -3 -1  0 -1 -3 -2 -2  0  1 -1 -4
        M -1 -1 -2 -3 -1  0 -2 -3 -2  1  2 -1  5  0 -2 -1 -1 -1 -1  1 -3 -1 -1 -4
        F -2 -3 -3 -3 -2 -3 -3 -3 -1  0  0 -3  0  6 -4 -2 -2  1  3 -1 -3 -3 -1 -4
        P -1 -2 -2 -1 -3 -1 -1 -2 -2 -3 -3 -1 -2 -4  7 -1 -1 -4 -3 -2 -2 -1 -2 -4
        S  1 -1  1  0 -1  0  0  0 -1 -2 -2  0 -1 -2 -1  4  1 -3 -2 -2  0  0  0 -4
        T  0 -1  0 -1 -1 -1 -1 -2 -2 -1 -1 -1 -1 -2 -1  1  5 -2 -2  0 -1 -1  0 -4
        W -3 -3 -4 -4 -2 -2 -3 -2 -2 -3 -2 -3 -1  1 -4 -3 -2 11  2 -3 -4 -3 -2 -4
        Y -2 -2 -2 -3 -2 -1 -2 -3  2 -1 -1 -2 -1  3 -3 -2 -2  2  7 -1 -3 -2 -1 -4
        V  0 -3 -3 -3 -1 -2 -2 -3 -3  3  1 -2  1 -1 -2 -2  0 -3 -1  4 -3 -2 -1 -4
        B -2 -1  3  4 -3  0  1 -1  0 -3 -4  0 -3 -3 -2  0 -1 -4 -3 -3  4  1 -1 -4
        Z -1  0  0  1 -3  3  4 -2  0 -3 -3  1 -1 -3 -1  0 -1 -3 -2 -2  1  4 -1 -4
        X  0 -1 -1 -1 -2 -1 -1 -1 -1 -1 -1 -1 -1 -1 -2  0  0 -2 -1 -1 -1 -1 -1 -4
        * -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4 -4  1
        """;

    // Indexed by ASCII code so the alignment's inner loop is two array reads; -1 marks a letter the matrix lacks.
    private static readonly int[] LetterIndex = BuildLetterIndex();
    private static readonly int[,] Blosum62Scores = ParseBlosum62();

    /// <summary>True when BLOSUM62 has a row for <paramref name="residue"/> (upper case).</summary>
    public static bool InBlosum62(char residue) => residue < 128 && LetterIndex[residue] >= 0;

    /// <summary>The BLOSUM62 score of two upper-case residues.</summary>
    /// <exception cref="ArgumentException">A residue BLOSUM62 does not cover.</exception>
    public static int Blosum62(char a, char b)
    {
        if (!InBlosum62(a) || !InBlosum62(b))
        {
            throw new ArgumentException($"BLOSUM62 has no score for '{a}' and '{b}'.", nameof(a));
        }
        return Blosum62Scores[LetterIndex[a], LetterIndex[b]];
    }

    private static int[] BuildLetterIndex()
    {
        var index = Enumerable.Repeat(-1, 128).ToArray();
        for (var i = 0; i < Blosum62Alphabet.Length; i++)
        {
            index[Blosum62Alphabet[i]] = i;
        }
        return index;
    }

    private static int[,] ParseBlosum62()
    {
        var lines = Blosum62Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var size = Blosum62Alphabet.Length;
        var scores = new int[size, size];
        for (var row = 0; row < size; row++)
        {
            var cells = lines[row + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length != size + 1 || cells[0][0] != Blosum62Alphabet[row])
            {
                throw new InvalidOperationException($"BLOSUM62 row {row + 1} is malformed.");
            }
            for (var column = 0; column < size; column++)
            {
                scores[row, column] = int.Parse(cells[column + 1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return scores;
    }
}
