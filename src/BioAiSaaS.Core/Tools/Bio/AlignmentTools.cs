using System.ComponentModel;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>What the aligned sequences are, which picks the scoring: BLOSUM62 for protein, +5/−4 for DNA.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlignmentMolecule>))]
public enum AlignmentMolecule
{
    [JsonStringEnumMemberName("protein")] Protein,
    [JsonStringEnumMemberName("dna")] Dna,
}

/// <summary>
/// One optimal pairwise alignment. <see cref="Matches"/> has '|' for identical residues, ':' for different residues with a
/// positive substitution score and ' ' otherwise (mismatch or gap). Percentages are of the alignment length (columns), as
/// EMBOSS reports them. Start and end are 1-based positions in each input sequence (the whole sequence for a global
/// alignment; 0 when a local alignment found nothing scoring above zero).
/// </summary>
public sealed record PairwiseAlignment(
    string Mode, string Molecule, string Scoring, double Score,
    string AlignedA, string Matches, string AlignedB,
    int Length, int Identities, int Similarities, int Gaps,
    double IdentityPercent, double SimilarityPercent, double GapPercent,
    int StartA, int EndA, int StartB, int EndB);

/// <summary>
/// <c>align_global</c> (Needleman–Wunsch) and <c>align_local</c> (Smith–Waterman), both with affine gaps by Gotoh's
/// three-state dynamic programming.
/// </summary>
public static class AlignmentTools
{
    public const int MaxLength = 5_000;
    public const long MaxCells = 4_000_000;
    public const double DefaultGapOpen = 10;
    public const double DefaultGapExtend = 0.5;
    // EMBOSS DNAfull scores identical bases +5 and different bases −4; N against anything scores −2 (DNAfull has −1 for
    // N/N; one value keeps the rule simple and an unknown base never rewards an alignment).
    public const int DnaMatch = 5;
    public const int DnaMismatch = -4;
    public const int DnaUnknown = -2;

    private const string GapConvention = "A gap of length L costs gap_open + (L-1)*gap_extend (EMBOSS needle/water "
        + "convention; defaults 10 and 0.5). Scoring: BLOSUM62 for protein (20 amino acids plus B, Z, X, *), match +5 / "
        + "mismatch -4 for DNA (EMBOSS DNAfull values; N scores -2). Sequences are at most 5,000 residues each and "
        + "4,000,000 cells together. Ties between equally good alignments are broken deterministically (match before a "
        + "gap in b before a gap in a, traced back from the end).";

    public static ResearchTool Global { get; } = new("alignment", AIFunctionFactory.Create(AlignGlobalTool, new AIFunctionFactoryOptions
    {
        Name = "align_global",
        Description = "Global pairwise alignment (Needleman-Wunsch with affine gaps, Gotoh) of two protein or DNA "
            + "sequences end to end; end gaps are penalised like internal gaps. " + GapConvention + " Returns the optimal "
            + "score, the aligned sequences with '-' for gaps, a match line ('|' identical, ':' similar), and identity, "
            + "similarity and gap counts and percentages.",
    }));

    public static ResearchTool Local { get; } = new("alignment", AIFunctionFactory.Create(AlignLocalTool, new AIFunctionFactoryOptions
    {
        Name = "align_local",
        Description = "Local pairwise alignment (Smith-Waterman with affine gaps, Gotoh): the best-scoring pair of "
            + "segments of two protein or DNA sequences. " + GapConvention + " Among equal best scores the alignment "
            + "ending first (smallest end in a, then in b) wins, and it starts as late as possible. Returns the score, "
            + "aligned segments, match line, identity/similarity/gap statistics and the 1-based start and end of the "
            + "segment in each sequence.",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [Global, Local];

    private static PairwiseAlignment AlignGlobalTool(
        [Description("First sequence (one-letter codes; whitespace ignored, case-insensitive).")] string a,
        [Description("Second sequence.")] string b,
        [Description("protein (BLOSUM62, default) or dna (+5/-4).")] AlignmentMolecule molecule = AlignmentMolecule.Protein,
        [Description("Cost of opening a gap, i.e. of its first position (default 10).")] double gap_open = DefaultGapOpen,
        [Description("Cost of each further gap position (default 0.5).")] double gap_extend = DefaultGapExtend)
        => Align(a, b, local: false, molecule, gap_open, gap_extend);

    private static PairwiseAlignment AlignLocalTool(
        [Description("First sequence (one-letter codes; whitespace ignored, case-insensitive).")] string a,
        [Description("Second sequence.")] string b,
        [Description("protein (BLOSUM62, default) or dna (+5/-4).")] AlignmentMolecule molecule = AlignmentMolecule.Protein,
        [Description("Cost of opening a gap, i.e. of its first position (default 10).")] double gap_open = DefaultGapOpen,
        [Description("Cost of each further gap position (default 0.5).")] double gap_extend = DefaultGapExtend)
        => Align(a, b, local: true, molecule, gap_open, gap_extend);

    /// <summary>An optimal global (<paramref name="local"/> false) or local alignment of two sequences.</summary>
    /// <exception cref="ArgumentException">Empty or too long sequences, letters outside the alphabet, bad gap costs.</exception>
    public static PairwiseAlignment Align(string a, string b, bool local, AlignmentMolecule molecule = AlignmentMolecule.Protein,
        double gapOpen = DefaultGapOpen, double gapExtend = DefaultGapExtend)
    {
        var first = Normalise(a, molecule, nameof(a));
        var second = Normalise(b, molecule, nameof(b));
        if ((long)first.Length * second.Length > MaxCells)
        {
            throw new ArgumentException(
                $"a ({first.Length}) times b ({second.Length}) exceeds {MaxCells:N0} alignment cells; align shorter segments.", nameof(b));
        }
        if (!double.IsFinite(gapOpen) || gapOpen is < 0 or > 1000)
        {
            throw OutOfRange("gap_open", gapOpen);
        }
        if (!double.IsFinite(gapExtend) || gapExtend is < 0 or > 1000)
        {
            throw OutOfRange("gap_extend", gapExtend);
        }

        var scoring = new Scoring(molecule);
        var path = Gotoh.Run(first, second, scoring, gapOpen, gapExtend, local);
        return Describe(path, local, molecule, scoring, gapOpen, gapExtend);
    }

    /// <summary>Named after the tool's (snake_case) parameter, which is what the caller sees.</summary>
    private static ArgumentOutOfRangeException OutOfRange(string parameter, double value) =>
        new(parameter, value, $"{parameter} must be a number from 0 to 1000.");

    /// <summary>Upper case without whitespace; DNA's U becomes T. Rejects what the scoring cannot score.</summary>
    private static string Normalise(string sequence, AlignmentMolecule molecule, string parameter)
    {
        if (string.IsNullOrWhiteSpace(sequence))
        {
            throw new ArgumentException($"{parameter} must not be empty.", parameter);
        }
        var text = new StringBuilder(sequence.Length);
        foreach (var c in sequence)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }
            var upper = char.ToUpperInvariant(c);
            if (molecule == AlignmentMolecule.Dna)
            {
                upper = upper == 'U' ? 'T' : upper;
                if (upper is not ('A' or 'C' or 'G' or 'T' or 'N'))
                {
                    throw new ArgumentException($"{parameter} has '{c}', which is not a DNA base (A, C, G, T/U, N).", parameter);
                }
            }
            else if (!SubstitutionMatrices.InBlosum62(upper))
            {
                throw new ArgumentException(
                    $"{parameter} has '{c}', which BLOSUM62 does not score (use {SubstitutionMatrices.Blosum62Alphabet}).", parameter);
            }
            text.Append(upper);
            if (text.Length > MaxLength)
            {
                throw new ArgumentException($"{parameter} is longer than {MaxLength:N0} residues.", parameter);
            }
        }
        return text.ToString();
    }

    private static PairwiseAlignment Describe(AlignedPath path, bool local, AlignmentMolecule molecule, Scoring scoring,
        double gapOpen, double gapExtend)
    {
        var matches = new StringBuilder(path.AlignedA.Length);
        int identities = 0, similarities = 0, gaps = 0;
        for (var k = 0; k < path.AlignedA.Length; k++)
        {
            char x = path.AlignedA[k], y = path.AlignedB[k];
            if (x == '-' || y == '-')
            {
                gaps++;
                matches.Append(' ');
            }
            else if (x == y)
            {
                identities++;
                similarities++;
                matches.Append('|');
            }
            else if (scoring.Score(x, y) > 0)
            {
                similarities++;
                matches.Append(':');
            }
            else
            {
                matches.Append(' ');
            }
        }
        var length = path.AlignedA.Length;
        double Percent(int count) => length == 0 ? 0 : Math.Round(100.0 * count / length, 1);
        var description = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{scoring.Name}, gap open {gapOpen}, gap extend {gapExtend}");
        return new PairwiseAlignment(local ? "local" : "global", molecule == AlignmentMolecule.Dna ? "dna" : "protein",
            description, path.Score, path.AlignedA, matches.ToString(), path.AlignedB, length, identities, similarities, gaps,
            Percent(identities), Percent(similarities), Percent(gaps), path.StartA, path.EndA, path.StartB, path.EndB);
    }

    /// <summary>Residue-pair scores for one molecule type.</summary>
    private sealed class Scoring(AlignmentMolecule molecule)
    {
        public string Name { get; } = molecule == AlignmentMolecule.Dna ? "DNA match +5 / mismatch -4" : "BLOSUM62";

        public int Score(char x, char y) => molecule == AlignmentMolecule.Dna
            ? x == 'N' || y == 'N' ? DnaUnknown : x == y ? DnaMatch : DnaMismatch
            : SubstitutionMatrices.Blosum62(x, y);
    }

    /// <summary>The traced-back alignment and where it lies in each sequence (1-based, inclusive).</summary>
    private sealed record AlignedPath(double Score, string AlignedA, string AlignedB, int StartA, int EndA, int StartB, int EndB);

    /// <summary>
    /// Gotoh's algorithm. Three states per cell (i, j): M ends with a[i] against b[j], X ends with a[i] against a gap,
    /// Y ends with a gap against b[j]. A gap opened from any other state costs gap_open, extended within its own state
    /// costs gap_extend, so a gap of length L costs open + (L−1)·extend. Scores are kept for two rows only; the choices
    /// are kept for every cell, packed two bits per state in one byte, so memory is one byte per cell.
    /// </summary>
    private static class Gotoh
    {
        private const int FromM = 0, FromX = 1, FromY = 2, FromStart = 3;
        private const int MShift = 0, XShift = 2, YShift = 4;

        public static AlignedPath Run(string a, string b, Scoring scoring, double open, double extend, bool local)
        {
            int n = a.Length, m = b.Length, width = m + 1;
            var trace = new byte[(n + 1) * width];
            var ninf = double.NegativeInfinity;
            double[] mPrev = new double[width], xPrev = new double[width], yPrev = new double[width];
            double[] mCur = new double[width], xCur = new double[width], yCur = new double[width];

            Array.Fill(mPrev, ninf);
            Array.Fill(xPrev, ninf);
            Array.Fill(yPrev, ninf);
            if (!local)
            {
                // Row 0: only the empty prefix (M at 0,0) and a leading gap in a (Y) exist.
                mPrev[0] = 0;
                for (var j = 1; j <= m; j++)
                {
                    yPrev[j] = -(open + (j - 1) * extend);
                    trace[j] = (byte)((j == 1 ? FromM : FromY) << YShift);
                }
            }

            double best = 0;
            int bestI = 0, bestJ = 0;
            // Substitution scores of a[i] against every letter of b, refreshed per row.
            var rowScores = new int[width];
            for (var i = 1; i <= n; i++)
            {
                for (var j = 1; j <= m; j++)
                {
                    rowScores[j] = scoring.Score(a[i - 1], b[j - 1]);
                }
                mCur[0] = ninf;
                yCur[0] = ninf;
                xCur[0] = local ? ninf : -(open + (i - 1) * extend);
                var rowBase = i * width;
                trace[rowBase] = (byte)((i == 1 ? FromM : FromX) << XShift);

                for (var j = 1; j <= m; j++)
                {
                    // M: the diagonal predecessor; ties prefer M, then X, then Y (and, locally, a fresh start).
                    double diag = mPrev[j - 1];
                    var mFrom = FromM;
                    if (xPrev[j - 1] > diag) { diag = xPrev[j - 1]; mFrom = FromX; }
                    if (yPrev[j - 1] > diag) { diag = yPrev[j - 1]; mFrom = FromY; }
                    if (local && diag <= 0) { diag = 0; mFrom = FromStart; }
                    var mScore = diag + rowScores[j];

                    // X: a[i] against a gap, coming down from row i−1.
                    var xScore = mPrev[j] - open;
                    var xFrom = FromM;
                    if (xPrev[j] - extend > xScore) { xScore = xPrev[j] - extend; xFrom = FromX; }
                    if (yPrev[j] - open > xScore) { xScore = yPrev[j] - open; xFrom = FromY; }

                    // Y: a gap against b[j], coming across from column j−1.
                    var yScore = mCur[j - 1] - open;
                    var yFrom = FromM;
                    if (xCur[j - 1] - open > yScore) { yScore = xCur[j - 1] - open; yFrom = FromX; }
                    if (yCur[j - 1] - extend > yScore) { yScore = yCur[j - 1] - extend; yFrom = FromY; }

                    mCur[j] = mScore;
                    xCur[j] = xScore;
                    yCur[j] = yScore;
                    trace[rowBase + j] = (byte)((mFrom << MShift) | (xFrom << XShift) | (yFrom << YShift));
                    // A local alignment ends on a residue pair: ending in a gap only lowers the score.
                    if (local && mScore > best)
                    {
                        best = mScore;
                        bestI = i;
                        bestJ = j;
                    }
                }
                (mPrev, mCur) = (mCur, mPrev);
                (xPrev, xCur) = (xCur, xPrev);
                (yPrev, yCur) = (yCur, yPrev);
            }

            if (local)
            {
                return bestI == 0
                    ? new AlignedPath(0, "", "", 0, 0, 0, 0)
                    : TraceBack(a, b, trace, width, bestI, bestJ, FromM, best, local: true);
            }
            // mPrev/xPrev/yPrev now hold row n. The end state ties prefer M, then X, then Y, as in the cells.
            var state = FromM;
            var score = mPrev[m];
            if (xPrev[m] > score) { score = xPrev[m]; state = FromX; }
            if (yPrev[m] > score) { score = yPrev[m]; state = FromY; }
            return TraceBack(a, b, trace, width, n, m, state, score, local: false);
        }

        private static AlignedPath TraceBack(string a, string b, byte[] trace, int width, int endI, int endJ, int state,
            double score, bool local)
        {
            var alignedA = new StringBuilder();
            var alignedB = new StringBuilder();
            int i = endI, j = endJ;
            while (i > 0 || j > 0)
            {
                var cell = trace[i * width + j];
                if (state == FromM)
                {
                    alignedA.Append(a[i - 1]);
                    alignedB.Append(b[j - 1]);
                    state = (cell >> MShift) & 3;
                    i--;
                    j--;
                    if (state == FromStart)
                    {
                        break;
                    }
                }
                else if (state == FromX)
                {
                    alignedA.Append(a[i - 1]);
                    alignedB.Append('-');
                    state = (cell >> XShift) & 3;
                    i--;
                }
                else
                {
                    alignedA.Append('-');
                    alignedB.Append(b[j - 1]);
                    state = (cell >> YShift) & 3;
                    j--;
                }
            }
            var first = Reverse(alignedA);
            var second = Reverse(alignedB);
            return local
                ? new AlignedPath(score, first, second, i + 1, endI, j + 1, endJ)
                : new AlignedPath(score, first, second, 1, endI, 1, endJ);
        }

        private static string Reverse(StringBuilder text)
        {
            var chars = new char[text.Length];
            for (var k = 0; k < chars.Length; k++)
            {
                chars[k] = text[text.Length - 1 - k];
            }
            return new string(chars);
        }
    }
}
