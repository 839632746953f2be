using System.ComponentModel;
using System.Numerics;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>
/// One candidate guide. <see cref="Guide"/> is the spacer 5'→3' as ordered (without the PAM); <see cref="Pam"/> as read on
/// the guide's strand. <see cref="Start"/>/<see cref="End"/> are the protospacer's 1-based bounds on the forward strand
/// whichever strand it is on; Cas9 cuts between forward positions <see cref="CutSite"/> and <see cref="CutSite"/> + 1.
/// Flags: poly_t (TTTT, a Pol III terminator), gc_low (&lt; 40 %), gc_high (&gt; 80 %), homopolymer (a run of 5 or more).
/// </summary>
public sealed record CrisprGuide(string Guide, string Strand, int Start, int End, string Pam, int CutSite, double GcPercent,
    double Score, int OffTargetHits, IReadOnlyList<string> Flags);

/// <summary>What <c>find_crispr_guides</c> returns: the best guides, and how many candidates there were in all.</summary>
public sealed record CrisprGuideSearch(int SequenceLength, string Pam, int GuideLength, int CandidatesFound,
    IReadOnlyList<CrisprGuide> Guides);

/// <summary><c>find_crispr_guides</c>: Cas9 protospacers next to a 3' PAM on both strands, ranked by a simple heuristic.</summary>
public static class CrisprTools
{
    public const int MaxSequenceLength = 20_000;
    public const int MinGuideLength = 16;
    public const int MaxGuideLength = 30;
    public const int MaxGuides = 500;
    /// <summary>PAM-proximal bases compared for the off-target hint: the seed region, where mismatches hurt cleavage most.</summary>
    public const int SeedLength = 12;
    public const int SeedMismatchesAllowed = 2;

    public static ResearchTool FindGuides { get; } = new("crispr", AIFunctionFactory.Create(FindGuidesTool, new AIFunctionFactoryOptions
    {
        Name = "find_crispr_guides",
        Description = "Find CRISPR-Cas9 guides (SpCas9 by default: 20-nt protospacer immediately 5' of an NGG PAM) on both "
            + "strands of a DNA sequence up to 20,000 nt. For each guide: the spacer 5'->3' as ordered, strand, 1-based "
            + "forward-strand start/end, PAM, cut site (3 bp upstream of the PAM; the cut is after forward position "
            + "cut_site), GC percent and flags (poly_t = TTTT, a U6/Pol III terminator; gc_low/gc_high outside 40-80%; "
            + "homopolymer of 5+). Score (0-100, a heuristic, not a trained model): 90, +10 for G at the PAM-proximal "
            + "position (Doench et al. 2014), -25 for GC outside 40-80%, -40 for TTTT, -15 for a homopolymer, -10 per "
            + "off-target hit (at most -40). Off-target hits: other PAM-adjacent sites in this same sequence (either "
            + "strand) whose 12 PAM-proximal bases differ from the guide's by at most 2; no genome is searched. Sorted "
            + "by score, then fewer off-target hits, then position. The PAM is IUPAC (N, R, Y, ...) and must lie 3' of "
            + "the protospacer (Cas9-type; Cas12a's 5' TTTV PAMs are not supported).",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [FindGuides];

    private static CrisprGuideSearch FindGuidesTool(
        [Description("DNA sequence to search (A, C, G, T/U, N; whitespace ignored, case-insensitive), up to 20,000 nt.")] string sequence,
        [Description("PAM in IUPAC letters, 3' of the protospacer (default NGG for SpCas9).")] string pam = "NGG",
        [Description("Protospacer length, 16 to 30 (default 20).")] int guide_length = 20,
        [Description("How many guides to return, best first, 1 to 500 (default 50).")] int max_guides = 50)
        => Find(sequence, pam, guide_length, max_guides);

    /// <summary>The best guides in <paramref name="sequence"/>.</summary>
    /// <exception cref="ArgumentException">Bad letters, a sequence too long, a bad PAM or lengths out of range.</exception>
    public static CrisprGuideSearch Find(string sequence, string pam = "NGG", int guideLength = 20, int maxGuides = 50)
    {
        var forward = ReadSequence(sequence);
        var motif = ReadPam(pam);
        if (guideLength is < MinGuideLength or > MaxGuideLength)
        {
            throw OutOfRange("guide_length", guideLength, $"guide_length must be between {MinGuideLength} and {MaxGuideLength}.");
        }
        if (maxGuides is < 1 or > MaxGuides)
        {
            throw OutOfRange("max_guides", maxGuides, $"max_guides must be between 1 and {MaxGuides}.");
        }

        var sites = new List<Site>();
        Scan(forward, '+', motif, guideLength, sites);
        Scan(Sequences.ReverseComplement(forward, Molecule.Dna), '-', motif, guideLength, sites);

        var length = forward.Length;
        var guides = new List<CrisprGuide>();
        var seeds = sites.Select(s => s.Seed).ToArray();
        for (var k = 0; k < sites.Count; k++)
        {
            if (sites[k].Spacer is null)
            {
                continue;
            }
            var hits = 0;
            for (var other = 0; other < seeds.Length; other++)
            {
                if (other != k && Mismatches(seeds[k], seeds[other]) <= SeedMismatchesAllowed)
                {
                    hits++;
                }
            }
            guides.Add(Describe(sites[k], length, guideLength, hits));
        }
        var ranked = guides.OrderByDescending(g => g.Score).ThenBy(g => g.OffTargetHits).ThenBy(g => g.Start)
            .ThenBy(g => g.Strand, StringComparer.Ordinal).Take(maxGuides).ToList();
        return new CrisprGuideSearch(length, motif, guideLength, guides.Count, ranked);
    }

    private static ArgumentOutOfRangeException OutOfRange(string parameter, int value, string message) => new(parameter, value, message);

    private static ArgumentException Invalid(string parameter, string message) => new(message, parameter);

    private static string ReadSequence(string sequence)
    {
        if (string.IsNullOrWhiteSpace(sequence))
        {
            throw Invalid("sequence", "sequence must not be empty.");
        }
        var bases = new char[sequence.Length];
        var count = 0;
        foreach (var c in sequence)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }
            var upper = char.ToUpperInvariant(c);
            upper = upper == 'U' ? 'T' : upper;
            if (upper is not ('A' or 'C' or 'G' or 'T' or 'N'))
            {
                throw Invalid("sequence", $"sequence has '{c}', which is not a DNA base (A, C, G, T/U, N).");
            }
            bases[count++] = upper;
        }
        return count <= MaxSequenceLength
            ? new string(bases, 0, count)
            : throw Invalid("sequence", $"sequence has {count} bases; at most {MaxSequenceLength:N0}.");
    }

    private static string ReadPam(string pam)
    {
        var motif = (pam ?? "").Trim().ToUpperInvariant();
        if (motif.Length is < 2 or > 8 || motif.Any(c => !Iupac.ContainsKey(c)))
        {
            throw Invalid("pam", $"pam '{pam}' must be 2 to 8 IUPAC letters (A C G T R Y S W K M B D H V N).");
        }
        return motif;
    }

    // IUPAC nucleotide codes and the bases each stands for.
    private static readonly Dictionary<char, string> Iupac = new()
    {
        ['A'] = "A", ['C'] = "C", ['G'] = "G", ['T'] = "T",
        ['R'] = "AG", ['Y'] = "CT", ['S'] = "CG", ['W'] = "AT", ['K'] = "GT", ['M'] = "AC",
        ['B'] = "CGT", ['D'] = "AGT", ['H'] = "ACT", ['V'] = "ACG", ['N'] = "ACGT",
    };

    /// <summary>
    /// Every PAM on one strand (read 5'→3' on that strand). Each becomes a site with its seed for the off-target count;
    /// it is a guide too when a whole protospacer without N fits before it.
    /// </summary>
    private static void Scan(string strand, char name, string pam, int guideLength, List<Site> sites)
    {
        for (var p = SeedLength; p + pam.Length <= strand.Length; p++)
        {
            var matches = true;
            for (var k = 0; k < pam.Length && matches; k++)
            {
                matches = Iupac[pam[k]].Contains(strand[p + k], StringComparison.Ordinal);
            }
            var seed = strand.AsSpan(p - SeedLength, SeedLength);
            if (!matches || seed.Contains('N'))
            {
                continue;
            }
            var spacer = p >= guideLength ? strand.Substring(p - guideLength, guideLength) : null;
            sites.Add(new Site(name, p, spacer is not null && !spacer.Contains('N', StringComparison.Ordinal) ? spacer : null,
                strand.Substring(p, pam.Length), Pack(seed)));
        }
    }

    /// <summary>Two bits per base, so seed mismatches are a XOR and a population count.</summary>
    private static ulong Pack(ReadOnlySpan<char> seed)
    {
        ulong packed = 0;
        foreach (var c in seed)
        {
            packed = (packed << 2) | c switch { 'A' => 0UL, 'C' => 1UL, 'G' => 2UL, _ => 3UL };
        }
        return packed;
    }

    private static int Mismatches(ulong x, ulong y)
    {
        var differ = x ^ y;
        return BitOperations.PopCount((differ | (differ >> 1)) & 0x5555_5555_5555_5555UL);
    }

    private static CrisprGuide Describe(Site site, int length, int guideLength, int offTargetHits)
    {
        var spacer = site.Spacer!;
        // Forward-strand coordinates: on '+' the protospacer is [p − g, p) 0-based; on '−' position p of the reverse
        // complement is forward index L − 1 − p. The cut is 3 bp 5' of the PAM on the guide's strand.
        int start, end, cut;
        if (site.Strand == '+')
        {
            start = site.PamIndex - guideLength + 1;
            end = site.PamIndex;
            cut = site.PamIndex - 3;
        }
        else
        {
            start = length - site.PamIndex + 1;
            end = length - site.PamIndex + guideLength;
            cut = start + 2;
        }
        var gc = Math.Round(100.0 * spacer.Count(c => c is 'G' or 'C') / spacer.Length, 1);
        var flags = new List<string>();
        double score = 90;
        if (spacer[^1] == 'G')
        {
            score += 10;
        }
        if (spacer.Contains("TTTT", StringComparison.Ordinal))
        {
            flags.Add("poly_t");
            score -= 40;
        }
        if (gc < 40)
        {
            flags.Add("gc_low");
        }
        else if (gc > 80)
        {
            flags.Add("gc_high");
        }
        if (gc is < 40 or > 80)
        {
            score -= 25;
        }
        if (LongestRun(spacer) >= 5)
        {
            flags.Add("homopolymer");
            score -= 15;
        }
        score -= Math.Min(40, 10 * offTargetHits);
        return new CrisprGuide(spacer, site.Strand.ToString(), start, end, site.Pam, cut, gc, Math.Max(0, score), offTargetHits, flags);
    }

    private static int LongestRun(string dna)
    {
        int longest = 1, run = 1;
        for (var k = 1; k < dna.Length; k++)
        {
            run = dna[k] == dna[k - 1] ? run + 1 : 1;
            longest = Math.Max(longest, run);
        }
        return longest;
    }


    /// <summary>A PAM on one strand: its 0-based index on that strand, the protospacer before it (null if none fits), its seed.</summary>
    private sealed record Site(char Strand, int PamIndex, string? Spacer, string Pam, ulong Seed);
}
