using System.Text;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>What kind of sequence a tool reads.</summary>
public enum Molecule
{
    Dna,
    Rna,
    Protein,
}

/// <summary>
/// Shared sequence handling: cleaning what a user pasted, checking letters against an alphabet, IUPAC complements and
/// ambiguity codes, GC fraction.
/// </summary>
public static class Sequences
{
    /// <summary>Ten million letters: a bacterial genome fits; a tool call that carries more is not a sensible request.</summary>
    public const int MaxLength = 10_000_000;

    public const string DnaLetters = "ACGTRYSWKMBDHVN";
    public const string RnaLetters = "ACGURYSWKMBDHVN";
    public const string NucleotideLetters = "ACGTURYSWKMBDHVN";
    /// <summary>The 20 standard amino acids, B, Z, J, X, selenocysteine (U), pyrrolysine (O), and <c>*</c> for a stop.</summary>
    public const string ProteinLetters = "ACDEFGHIKLMNPQRSTVWYBZJXUO*";

    /// <summary>
    /// The sequence without whitespace (pasted sequences wrap lines), checked against the molecule's alphabet in either
    /// case. Case is kept so that tools which preserve it (reverse complement) can.
    /// </summary>
    public static string Clean(string? sequence, Molecule molecule, string parameterName = "sequence") =>
        Clean(sequence, Alphabet(molecule), Name(molecule), parameterName, molecule);

    /// <summary>DNA or RNA letters, for tools that read either (T and U both stand for the fourth base).</summary>
    public static string CleanNucleotides(string? sequence, string parameterName = "sequence") =>
        Clean(sequence, NucleotideLetters, "nucleotide", parameterName, null);

    private static string Clean(string? sequence, string alphabet, string alphabetName, string parameterName, Molecule? molecule)
    {
        if (string.IsNullOrWhiteSpace(sequence))
        {
            throw new ArgumentException($"{parameterName} must not be empty.", parameterName);
        }
        var text = new StringBuilder(sequence.Length);
        foreach (var c in sequence)
        {
            if (!char.IsWhiteSpace(c))
            {
                text.Append(c);
            }
        }
        if (text.Length > MaxLength)
        {
            throw new ArgumentException($"{parameterName} is longer than {MaxLength:N0} letters.", parameterName);
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (!alphabet.Contains(char.ToUpperInvariant(text[i]), StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"{parameterName} has '{text[i]}' at position {i + 1}, which is not a {alphabetName} letter ({alphabet}).{Hint(text[i], molecule)}",
                    parameterName);
            }
        }
        return text.ToString();
    }

    public static string Alphabet(Molecule molecule) => molecule switch
    {
        Molecule.Dna => DnaLetters,
        Molecule.Rna => RnaLetters,
        _ => ProteinLetters,
    };

    public static string Name(Molecule molecule) => molecule switch
    {
        Molecule.Dna => "DNA",
        Molecule.Rna => "RNA",
        _ => "protein",
    };

    /// <summary>
    /// A molecule argument: "dna", "rna" or (when allowed) "protein", in any case. Tools take it as a string rather than
    /// an enum so that "DNA" binds too and a wrong value gets an error naming the parameter.
    /// </summary>
    public static Molecule ParseMolecule(string? value, string parameterName, bool allowProtein = true)
    {
        var molecule = value?.Trim().ToUpperInvariant() switch
        {
            "DNA" => Molecule.Dna,
            "RNA" => Molecule.Rna,
            "PROTEIN" when allowProtein => Molecule.Protein,
            _ => (Molecule?)null,
        };
        return molecule ?? throw new ArgumentException(
            $"{parameterName} must be dna{(allowProtein ? ", rna or protein" : " or rna")}, not '{value}'.", parameterName);
    }

    /// <summary>The IUPAC complement of one letter, keeping its case (U pairs with A in RNA, T in DNA).</summary>
    public static char Complement(char letter, Molecule molecule)
    {
        var upper = char.ToUpperInvariant(letter);
        var complement = upper switch
        {
            'A' => molecule == Molecule.Rna ? 'U' : 'T',
            'T' or 'U' => 'A',
            'C' => 'G',
            'G' => 'C',
            // Two-letter codes pair with the code of the complementary pair; S (C/G) and W (A/T) are their own complement.
            'R' => 'Y',
            'Y' => 'R',
            'K' => 'M',
            'M' => 'K',
            'S' => 'S',
            'W' => 'W',
            // "Not A" (C/G/T) pairs with "not T" (A/C/G), and so on.
            'B' => 'V',
            'V' => 'B',
            'D' => 'H',
            'H' => 'D',
            'N' => 'N',
            _ => throw new ArgumentException($"'{letter}' has no nucleotide complement."),
        };
        return char.IsLower(letter) ? char.ToLowerInvariant(complement) : complement;
    }

    public static string ReverseComplement(string sequence, Molecule molecule)
    {
        var result = new char[sequence.Length];
        for (var i = 0; i < sequence.Length; i++)
        {
            result[sequence.Length - 1 - i] = Complement(sequence[i], molecule);
        }
        return new string(result);
    }

    /// <summary>The unambiguous bases (DNA letters) an upper-case IUPAC nucleotide code stands for.</summary>
    public static string Expand(char code) => code switch
    {
        'A' => "A",
        'C' => "C",
        'G' => "G",
        'T' or 'U' => "T",
        'R' => "AG",
        'Y' => "CT",
        'S' => "CG",
        'W' => "AT",
        'K' => "GT",
        'M' => "AC",
        'B' => "CGT",
        'D' => "AGT",
        'H' => "ACT",
        'V' => "ACG",
        _ => "ACGT",
    };

    /// <summary>
    /// GC fraction as Biopython's <c>gc_fraction</c> computes it by default (<c>ambiguous="remove"</c>): G, C and S
    /// (strong, C or G) over G, C, S, A, T, U and W (weak, A or T); other ambiguity codes are left out of both, so N
    /// runs do not dilute the fraction. Null when no letter counts.
    /// </summary>
    public static double? GcFraction(string sequence)
    {
        int gc = 0, counted = 0;
        foreach (var c in sequence)
        {
            switch (char.ToUpperInvariant(c))
            {
                case 'G' or 'C' or 'S':
                    gc++;
                    counted++;
                    break;
                case 'A' or 'T' or 'U' or 'W':
                    counted++;
                    break;
                default:
                    break;
            }
        }
        return counted == 0 ? null : Math.Round((double)gc / counted, 6);
    }

    /// <summary>The first letters of a sequence, for summaries that do not return it whole.</summary>
    public static string Preview(string sequence, int letters = 60) =>
        sequence.Length <= letters ? sequence : sequence[..letters];

    private static string Hint(char letter, Molecule? molecule) => (char.ToUpperInvariant(letter), molecule) switch
    {
        ('U', Molecule.Dna) => " U is an RNA letter: use molecule rna.",
        ('T', Molecule.Rna) => " T is a DNA letter: use molecule dna.",
        _ => "",
    };
}
