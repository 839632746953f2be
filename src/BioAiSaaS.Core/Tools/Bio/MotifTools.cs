using System.ComponentModel;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>What the pattern of <c>motif_search</c> describes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MotifKind>))]
public enum MotifKind
{
    /// <summary>An IUPAC nucleotide pattern (R = A/G, Y = C/T, N = any...) searched in DNA.</summary>
    Dna,
    /// <summary>A PROSITE-style protein pattern ([ST]-x-[RK], N-{P}-[ST]-{P}, x(2,4)) searched in a protein.</summary>
    Protein,
}

/// <summary>One occurrence of the motif.</summary>
/// <param name="Start">1-based first base or residue on the top strand (or the protein).</param>
/// <param name="End">1-based last base or residue on the top strand, inclusive.</param>
/// <param name="Strand">"+" (or the protein), or "-" for a hit on the reverse complement.</param>
/// <param name="Match">The matched text as it reads 5'->3' on its own strand.</param>
public sealed record MotifHit(int Start, int End, string Strand, string Match);

/// <summary>What <c>motif_search</c> returns.</summary>
/// <param name="Pattern">The pattern as given.</param>
/// <param name="Kind">dna or protein.</param>
/// <param name="Regex">The regular expression the pattern became, for checking how it was read.</param>
/// <param name="SequenceLength">Length of the sequence searched.</param>
/// <param name="BothStrands">True when the reverse complement was searched too.</param>
/// <param name="TotalHits">All hits found; Hits holds the first max_hits by position.</param>
/// <param name="Truncated">True when TotalHits exceeds max_hits.</param>
/// <param name="Hits">The hits by position (+ before - at the same start).</param>
public sealed record MotifSearchResult(string Pattern, MotifKind Kind, string Regex, int SequenceLength, bool BothStrands,
    int TotalHits, bool Truncated, IReadOnlyList<MotifHit> Hits);

/// <summary>Motif search in DNA (IUPAC patterns, both strands) and proteins (PROSITE patterns).</summary>
public static class MotifTools
{
    public const int MaxSequenceLength = 1_000_000;
    public const int MaxHitsLimit = 100_000;

    /// <summary><c>motif_search</c>: every occurrence, overlapping ones included, of a motif.</summary>
    public static ResearchTool Search { get; } = new("sequence", AIFunctionFactory.Create(SearchMotif, new AIFunctionFactoryOptions
    {
        Name = "motif_search",
        Description = "Find every occurrence (overlapping ones included) of a motif: an IUPAC nucleotide pattern such as "
            + "GAATTC or TATAWAWR in DNA, on both strands by default, or a PROSITE protein pattern such as N-{P}-[ST]-{P} "
            + "(N-glycosylation) or [ST]-x-[RK] in a protein (kind = protein). Returns 1-based positions, strand and the "
            + "matched text.",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [Search];

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(5);

    private static MotifSearchResult SearchMotif(
        [Description("The sequence: DNA (A, C, G, T, U, N) for kind dna, one-letter amino acids for kind protein; case and whitespace ignored.")] string sequence,
        [Description("The motif: IUPAC nucleotides (e.g. GGTCTC, TGASTCA, CANNTG) for kind dna; PROSITE syntax (e.g. N-{P}-[ST]-{P}, C-x(2,4)-C, <M-x-K) for kind protein.")] string pattern,
        [Description("dna (default) or protein.")] MotifKind kind = MotifKind.Dna,
        [Description("DNA only: also search the reverse complement (default true). Ignored for proteins.")] bool both_strands = true,
        [Description("Most hits to list, 1-100000 (default 1000); TotalHits still counts all.")] int max_hits = 1000)
    {
        if (max_hits is < 1 or > MaxHitsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(max_hits), max_hits, $"max_hits must be between 1 and {MaxHitsLimit}.");
        }
        if (string.IsNullOrWhiteSpace(pattern))
        {
            throw new ArgumentException("pattern must not be empty.", nameof(pattern));
        }

        return kind switch
        {
            MotifKind.Dna => SearchDna(sequence, pattern, both_strands, max_hits),
            MotifKind.Protein => SearchProtein(sequence, pattern, max_hits),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "kind must be dna or protein."),
        };
    }

    private static MotifSearchResult SearchDna(string sequence, string pattern, bool bothStrands, int maxHits)
    {
        var seq = Iupac.ReadDna(sequence, nameof(sequence), allowAmbiguity: false, MaxSequenceLength).Replace('U', 'T');
        var motif = Iupac.ReadDna(pattern, nameof(pattern), allowAmbiguity: true, MaxSequenceLength).Replace('U', 'T');
        var regex = Iupac.ToRegex(motif);
        var compiled = Overlapping(regex);

        var hits = new List<(int Start, int Length, bool Minus)>();
        foreach (Match m in compiled.Matches(seq))
        {
            hits.Add((m.Index, m.Groups[1].Length, false));
        }
        // A pattern that is its own reverse complement (GAATTC, CANNTG) finds the same stretches on "-": listed once.
        var palindromic = Sequences.ReverseComplement(motif, Molecule.Dna) == motif;
        if (bothStrands && !palindromic)
        {
            var reverse = Sequences.ReverseComplement(seq, Molecule.Dna);
            foreach (Match m in compiled.Matches(reverse))
            {
                var length = m.Groups[1].Length;
                hits.Add((seq.Length - m.Index - length, length, true));
            }
        }

        hits.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Minus.CompareTo(b.Minus));
        var listed = hits.Take(maxHits).Select(h =>
        {
            var text = seq.Substring(h.Start, h.Length);
            return new MotifHit(h.Start + 1, h.Start + h.Length, h.Minus ? "-" : "+", h.Minus ? Sequences.ReverseComplement(text, Molecule.Dna) : text);
        }).ToList();
        return new MotifSearchResult(pattern, MotifKind.Dna, regex, seq.Length, bothStrands, hits.Count, hits.Count > maxHits, listed);
    }

    private static MotifSearchResult SearchProtein(string sequence, string pattern, int maxHits)
    {
        var seq = ReadProtein(sequence);
        var regex = Prosite.ToRegex(pattern);
        var hits = new List<MotifHit>();
        var total = 0;
        foreach (Match m in Overlapping(regex).Matches(seq))
        {
            var found = m.Groups[1];
            if (found.Length == 0)
            {
                continue; // a pattern of only optional elements would "match" everywhere
            }
            total++;
            if (hits.Count < maxHits)
            {
                hits.Add(new MotifHit(found.Index + 1, found.Index + found.Length, "+", found.Value));
            }
        }
        return new MotifSearchResult(pattern, MotifKind.Protein, regex, seq.Length, false, total, total > maxHits, hits);
    }

    /// <summary>A zero-width lookahead at each position finds overlapping hits ("ANA" twice in "AAAA").</summary>
    private static Regex Overlapping(string regex) =>
        new("(?=(" + regex + "))", RegexOptions.CultureInvariant, MatchTimeout);

    private static string ReadProtein(string sequence)
    {
        if (string.IsNullOrWhiteSpace(sequence))
        {
            throw new ArgumentException("sequence must not be empty.", nameof(sequence));
        }
        var seq = new string(sequence.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray()).TrimEnd('*');
        var bad = seq.FirstOrDefault(c => c is < 'A' or > 'Z');
        if (bad != default || seq.Length == 0)
        {
            throw new ArgumentException($"sequence must be one-letter amino acid codes; found '{bad}'.", nameof(sequence));
        }
        if (seq.Length > MaxSequenceLength)
        {
            throw new ArgumentException($"sequence must be at most {MaxSequenceLength} residues long; it is {seq.Length}.", nameof(sequence));
        }
        return seq;
    }

    /// <summary>PROSITE pattern syntax (ScanProsite): elements separated by '-'; x any residue; [ABC] one of;
    /// {ABC} none of; e(n) or e(n,m) repeats; '&lt;' anchors at the N-terminus, '&gt;' at the C-terminus; a final '.' optional.</summary>
    private static class Prosite
    {
        public static string ToRegex(string pattern)
        {
            var p = new string(pattern.Where(c => !char.IsWhiteSpace(c)).ToArray()).TrimEnd('.');
            var regex = new StringBuilder();
            var i = 0;
            if (p.StartsWith('<'))
            {
                regex.Append('^');
                i++;
            }
            var end = p.Length;
            var anchoredEnd = p.EndsWith('>');
            if (anchoredEnd)
            {
                end--;
            }
            var elements = 0;
            while (i < end)
            {
                var c = p[i];
                if (c == '-')
                {
                    i++;
                    continue;
                }
                if (c is 'x' or 'X')
                {
                    regex.Append('.');
                    i++;
                }
                else if (c is '[' or '{')
                {
                    var close = p.IndexOf(c == '[' ? ']' : '}', i);
                    if (close < 0 || close >= end || close == i + 1)
                    {
                        throw Bad(pattern, $"'{c}' at {i + 1} has no closing bracket or is empty");
                    }
                    var residues = p[(i + 1)..close].ToUpperInvariant();
                    if (residues.Any(r => r is < 'A' or > 'Z'))
                    {
                        throw Bad(pattern, $"only amino acid letters may stand inside '{c}...'");
                    }
                    regex.Append(c == '[' ? "[" : "[^").Append(residues).Append(']');
                    i = close + 1;
                }
                else if (char.IsAsciiLetterUpper(c))
                {
                    regex.Append(c);
                    i++;
                }
                else
                {
                    throw Bad(pattern, $"unexpected '{c}' at {i + 1}");
                }
                elements++;

                if (i < end && p[i] == '(')
                {
                    var close = p.IndexOf(')', i);
                    var counts = close < 0 ? [] : p[(i + 1)..close].Split(',');
                    if (counts.Length is < 1 or > 2 || counts.Any(n => !int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) || v > 1000)
                        || (counts.Length == 2 && int.Parse(counts[0], System.Globalization.CultureInfo.InvariantCulture) > int.Parse(counts[1], System.Globalization.CultureInfo.InvariantCulture)))
                    {
                        throw Bad(pattern, $"a repeat at {i + 1} must read (n) or (n,m) with 0 <= n <= m <= 1000");
                    }
                    regex.Append('{').Append(string.Join(',', counts)).Append('}');
                    i = close + 1;
                }
            }
            if (elements == 0)
            {
                throw Bad(pattern, "it has no element");
            }
            if (anchoredEnd)
            {
                regex.Append('$');
            }
            return regex.ToString();
        }

        private static ArgumentException Bad(string pattern, string why) =>
            new($"pattern '{pattern}' is not a PROSITE pattern: {why}.", nameof(pattern));
    }

    /// <summary>IUPAC nucleotide codes as 4-bit masks (A 1, C 2, G 4, T 8); shared with <see cref="RestrictionTools"/>.</summary>
    internal static class Iupac
    {
        private const string Codes = "ACGTURYSWKMBDHVN";

        private static int Mask(char c) => c switch
        {
            'A' => 1, 'C' => 2, 'G' => 4, 'T' or 'U' => 8,
            'R' => 1 | 4, 'Y' => 2 | 8, 'S' => 2 | 4, 'W' => 1 | 8, 'K' => 4 | 8, 'M' => 1 | 2,
            'B' => 2 | 4 | 8, 'D' => 1 | 4 | 8, 'H' => 1 | 2 | 8, 'V' => 1 | 2 | 4, 'N' => 15,
            _ => 0,
        };

        /// <summary>Upper case without whitespace; only A, C, G, T, U, N (and with ambiguity, every IUPAC code).</summary>
        public static string ReadDna(string text, string parameter, bool allowAmbiguity, int maxLength)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new ArgumentException($"{parameter} must not be empty.", parameter);
            }
            var seq = new string(text.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());
            var allowed = allowAmbiguity ? Codes : "ACGTUN";
            var bad = seq.FirstOrDefault(c => !allowed.Contains(c, StringComparison.Ordinal));
            if (bad != default)
            {
                throw new ArgumentException($"{parameter} may hold only the nucleotide codes {allowed}; found '{bad}'.", parameter);
            }
            if (seq.Length > maxLength)
            {
                throw new ArgumentException($"{parameter} must be at most {maxLength} nt long; it is {seq.Length}.", parameter);
            }
            return seq;
        }

        /// <summary>True when every base of the (unambiguous) text at <paramref name="start"/> is one the IUPAC pattern allows; N in the text matches nothing.</summary>
        public static bool MatchesAt(string text, int start, string pattern)
        {
            for (var i = 0; i < pattern.Length; i++)
            {
                var b = text[start + i];
                if (b == 'N' || (Mask(b) & Mask(pattern[i])) == 0)
                {
                    return false;
                }
            }
            return true;
        }


        /// <summary>A character class per position: R becomes [AG]; unambiguous bases stay themselves.</summary>
        public static string ToRegex(string pattern)
        {
            var regex = new StringBuilder();
            foreach (var c in pattern)
            {
                var mask = Mask(c);
                var bases = string.Concat("ACGT".Where(b => (Mask(b) & mask) != 0));
                regex.Append(bases.Length == 1 ? bases : "[" + bases + "]");
            }
            return regex.ToString();
        }
    }
}
