using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>How <c>codon_optimise</c> picks among synonymous codons.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CodonStrategy>))]
public enum CodonStrategy
{
    /// <summary>Always the host's most frequent codon for the amino acid.</summary>
    [JsonStringEnumMemberName("most_frequent")] MostFrequent,
    /// <summary>Codons drawn in proportion to host usage (rare ones left out), from a fixed seed: same input, same DNA.</summary>
    [JsonStringEnumMemberName("weighted")] Weighted,
}

/// <summary>What <c>codon_optimise</c> was given.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CodonInput>))]
public enum CodonInput
{
    [JsonStringEnumMemberName("protein")] Protein,
    [JsonStringEnumMemberName("cds")] Cds,
}

/// <summary>An occurrence of a site to avoid: 1-based position of its first base in the DNA, and the strand it reads on.</summary>
public sealed record SiteOccurrence(string Site, int Position, string Strand);

/// <summary>
/// What <c>codon_optimise</c> returns. <see cref="Cai"/> is the codon adaptation index against the host table (null when
/// the protein has only Met, Trp and stops, which have no synonymous choice). <see cref="RemainingSites"/> lists sites to
/// avoid that no synonymous change could remove.
/// </summary>
public sealed record CodonOptimisation(string Host, string Strategy, string Protein, string Dna, int Length,
    double GcPercent, double? Cai, int CodonsChangedForSites, IReadOnlyList<SiteOccurrence> RemainingSites, string TableSource);

/// <summary><c>codon_optimise</c>: back-translation for expression in a host, keeping chosen restriction sites out.</summary>
public static class CodonTools
{
    public const int MaxProteinLength = 10_000;
    public const int MaxSites = 20;
    public const int MinSiteLength = 4;
    public const int MaxSiteLength = 30;
    /// <summary>Codons used less than this fraction of their amino acid's top codon are never drawn by the weighted strategy.</summary>
    public const double RareCodonCutoff = 0.1;
    // Any fixed value does: it only makes the weighted strategy repeatable.
    private const ulong WeightedSeed = 0x5EED_C0D0_2026_1126;

    // The standard genetic code (NCBI table 1), codons in T, C, A, G order of first, second, third base.
    private const string Bases = "TCAG";
    private const string CodeTable = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG";
    private const string AminoAcids = "ACDEFGHIKLMNPQRSTVWY";

    public static ResearchTool Optimise { get; } = new("cloning", AIFunctionFactory.Create(OptimiseTool, new AIFunctionFactoryOptions
    {
        Name = "codon_optimise",
        Description = "Codon-optimise a protein (or re-optimise a coding sequence) for expression in E. coli, "
            + "S. cerevisiae or human cells, using per-host codon usage tables (Kazusa codon usage database, approximate "
            + "transcription). Strategy most_frequent uses each amino acid's top host codon; weighted draws codons in "
            + "proportion to host usage (codons under 10% of the top one excluded) from a fixed seed, so results repeat. "
            + "Sites to avoid (e.g. GAATTC for EcoRI) are removed on both strands by synonymous codon swaps; any that "
            + "cannot be removed are reported. Returns the DNA, the protein it encodes (always equal to the input), GC "
            + "percent and the codon adaptation index (geometric mean of w = frequency / top synonymous frequency, Met, "
            + "Trp and stops excluded). Proteins up to 10,000 residues.",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [Optimise];

    private static CodonOptimisation OptimiseTool(
        [Description("The protein (one-letter amino acids, optional final '*') or, with input = cds, a coding DNA sequence.")] string protein_or_cds,
        [Description("Expression host: e_coli (default), s_cerevisiae or h_sapiens.")] CodonHost host = CodonHost.EColi,
        [Description("What protein_or_cds is: protein (default) or cds (in-frame DNA, length a multiple of 3).")] CodonInput input = CodonInput.Protein,
        [Description("Recognition sequences to keep out of the DNA on either strand, e.g. [\"GAATTC\", \"GGATCC\"]; 4 to 30 bases (A, C, G, T), up to 20.")] string[]? avoid_sites = null,
        [Description("most_frequent (default) or weighted.")] CodonStrategy strategy = CodonStrategy.MostFrequent)
        => Run(protein_or_cds, host, input, avoid_sites, strategy);

    /// <summary>Back-translates a protein (or re-codes a CDS) for <paramref name="host"/>.</summary>
    /// <exception cref="ArgumentException">Letters that are not amino acids or bases, a CDS out of frame, bad sites.</exception>
    public static CodonOptimisation Run(string proteinOrCds, CodonHost host = CodonHost.EColi, CodonInput input = CodonInput.Protein,
        IReadOnlyList<string>? avoidSites = null, CodonStrategy strategy = CodonStrategy.MostFrequent)
    {
        var protein = input == CodonInput.Cds ? TranslateInput(proteinOrCds) : ReadProtein(proteinOrCds);
        var sites = ReadSites(avoidSites ?? []);
        var table = new HostTable(host);

        var codons = strategy == CodonStrategy.MostFrequent
            ? protein.Select(aa => table.Synonyms(aa)[0]).ToArray()
            : Weighted(protein, table);
        var changed = RemoveSites(protein, codons, sites, table);

        var dna = string.Concat(codons);
        var encoded = Translate(dna);
        if (!string.Equals(encoded, protein, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The optimised DNA does not encode the input protein.");
        }
        var gc = dna.Count(c => c is 'G' or 'C');
        return new CodonOptimisation(Json(host), strategy == CodonStrategy.Weighted ? "weighted" : "most_frequent", protein, dna,
            dna.Length, Math.Round(100.0 * gc / dna.Length, 1), Cai(codons, table), changed, FindSites(dna, sites),
            CodonUsage.Source(host));
    }

    /// <summary>The amino acid sequence a DNA sequence encodes in frame 1 (standard code; '*' for stops).</summary>
    private static string Translate(string dna)
    {
        var protein = new char[dna.Length / 3];
        for (var k = 0; k < protein.Length; k++)
        {
            protein[k] = CodeTable[16 * Bases.IndexOf(dna[3 * k], StringComparison.Ordinal)
                + 4 * Bases.IndexOf(dna[3 * k + 1], StringComparison.Ordinal) + Bases.IndexOf(dna[3 * k + 2], StringComparison.Ordinal)];
        }
        return new string(protein);
    }

    private static string ReadProtein(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid("protein_or_cds", "protein_or_cds must not be empty.");
        }
        var protein = new string(text.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());
        for (var k = 0; k < protein.Length; k++)
        {
            var aa = protein[k];
            if (aa == '*' && k == protein.Length - 1)
            {
                continue;
            }
            if (!AminoAcids.Contains(aa, StringComparison.Ordinal))
            {
                throw Invalid("protein_or_cds", aa == '*'
                    ? $"protein_or_cds has a stop ('*') at residue {k + 1}; only a final stop is allowed."
                    : $"protein_or_cds has '{aa}' at residue {k + 1}, which is not one of the 20 amino acids {AminoAcids}.");
            }
        }
        return CheckLength(protein);
    }

    private static string TranslateInput(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid("protein_or_cds", "protein_or_cds must not be empty.");
        }
        var dna = new string(text.Where(c => !char.IsWhiteSpace(c)).Select(c => char.ToUpperInvariant(c) == 'U' ? 'T' : char.ToUpperInvariant(c)).ToArray());
        var bad = dna.FirstOrDefault(c => !Bases.Contains(c, StringComparison.Ordinal));
        if (bad != default)
        {
            throw Invalid("protein_or_cds", $"protein_or_cds (a cds) has '{bad}', which is not a base A, C, G or T/U.");
        }
        if (dna.Length % 3 != 0)
        {
            throw Invalid("protein_or_cds", $"protein_or_cds (a cds) has {dna.Length} bases, not a multiple of 3.");
        }
        var protein = Translate(dna);
        var stop = protein.IndexOf('*', StringComparison.Ordinal);
        if (stop >= 0 && stop < protein.Length - 1)
        {
            throw Invalid("protein_or_cds", $"protein_or_cds (a cds) has a stop codon at codon {stop + 1}, before its end.");
        }
        return CheckLength(protein);
    }

    private static string CheckLength(string protein) => protein.Length <= MaxProteinLength
        ? protein
        : throw Invalid("protein_or_cds", $"protein_or_cds encodes {protein.Length} residues; at most {MaxProteinLength:N0}.");

    /// <summary>Each site and, unless it is its own reverse complement, its reverse complement: both strands are searched.</summary>
    private static List<SitePattern> ReadSites(IReadOnlyList<string> sites)
    {
        if (sites.Count > MaxSites)
        {
            throw Invalid("avoid_sites", $"avoid_sites has {sites.Count} sites; at most {MaxSites}.");
        }
        var patterns = new List<SitePattern>();
        foreach (var raw in sites)
        {
            var site = (raw ?? "").Trim().ToUpperInvariant();
            if (site.Length is < MinSiteLength or > MaxSiteLength || site.Any(c => !Bases.Contains(c, StringComparison.Ordinal)))
            {
                throw Invalid("avoid_sites", 
                    $"avoid_sites has '{raw}'; a site is {MinSiteLength} to {MaxSiteLength} bases of A, C, G, T.");
            }
            var reverse = Sequences.ReverseComplement(site, Molecule.Dna);
            if (!patterns.Exists(p => p.Pattern == site))
            {
                patterns.Add(new SitePattern(site, site, "+"));
            }
            if (!patterns.Exists(p => p.Pattern == reverse))
            {
                patterns.Add(new SitePattern(site, reverse, "-"));
            }
        }
        return patterns;
    }


    private static string[] Weighted(string protein, HostTable table)
    {
        var random = new SplitMix64(WeightedSeed);
        var codons = new string[protein.Length];
        for (var k = 0; k < protein.Length; k++)
        {
            var choices = table.Synonyms(protein[k]).Where(c => table.W(c) >= RareCodonCutoff).ToArray();
            var total = choices.Sum(table.Frequency);
            var draw = random.NextDouble() * total;
            var pick = choices[^1];
            foreach (var codon in choices)
            {
                draw -= table.Frequency(codon);
                if (draw < 0)
                {
                    pick = codon;
                    break;
                }
            }
            codons[k] = pick;
        }
        return codons;
    }

    /// <summary>
    /// Greedy site removal, left to right: for each occurrence still present, among synonymous changes of the codons it
    /// overlaps (one codon, else two), apply the one that leaves the fewest occurrences nearby, preferring the highest
    /// codon adaptation; an occurrence no change removes is left and reported. Every applied change lowers the total
    /// count, so this ends; sweeps repeat while they make progress. Returns how many codons changed.
    /// </summary>
    private static int RemoveSites(string protein, string[] codons, List<SitePattern> sites, HostTable table)
    {
        if (sites.Count == 0)
        {
            return 0;
        }
        // An occurrence touching a changed codon reaches at most this many codons beyond it.
        var reach = (sites.Max(s => s.Pattern.Length) + 2) / 3;
        var dna = string.Concat(codons).ToCharArray();
        var stuck = new HashSet<(int Position, string Pattern)>();
        var changed = new HashSet<int>();

        void Set(int codon, string value)
        {
            codons[codon] = value;
            value.CopyTo(0, dna, 3 * codon, 3);
        }

        for (var sweep = 0; sweep < 10; sweep++)
        {
            var progress = false;
            foreach (var next in Occurrences(new string(dna), sites).ToList())
            {
                if (stuck.Contains((next.Position, next.Pattern))
                    || !dna.AsSpan(next.Position, next.Pattern.Length).SequenceEqual(next.Pattern))
                {
                    continue;
                }
                var firstCodon = next.Position / 3;
                var lastCodon = (next.Position + next.Pattern.Length - 1) / 3;
                // Changing codons firstCodon..lastCodon only alters occurrences inside this window of codons.
                var windowStart = Math.Max(0, firstCodon - reach);
                var windowEnd = Math.Min(codons.Length - 1, lastCodon + reach);
                int Nearby() => Occurrences(new string(dna, 3 * windowStart, 3 * (windowEnd - windowStart + 1)), sites).Count();
                var before = Nearby();

                (int Count, double W, int[] Codons, string[] Choices)? best = null;
                void Consider(int[] positions, string[] choices)
                {
                    var saved = positions.Select(p => codons[p]).ToArray();
                    for (var k = 0; k < positions.Length; k++)
                    {
                        Set(positions[k], choices[k]);
                    }
                    var count = Nearby();
                    var w = choices.Sum(table.W);
                    for (var k = 0; k < positions.Length; k++)
                    {
                        Set(positions[k], saved[k]);
                    }
                    if (count < before && (best is null || count < best.Value.Count || (count == best.Value.Count && w > best.Value.W)))
                    {
                        best = (count, w, positions, choices);
                    }
                }

                for (var c = firstCodon; c <= lastCodon; c++)
                {
                    foreach (var alternative in table.Synonyms(protein[c]).Where(s => s != codons[c]))
                    {
                        Consider([c], [alternative]);
                    }
                }
                if (best is null)
                {
                    for (var c1 = firstCodon; c1 <= lastCodon; c1++)
                    {
                        for (var c2 = c1 + 1; c2 <= lastCodon; c2++)
                        {
                            foreach (var alt1 in table.Synonyms(protein[c1]).Where(s => s != codons[c1]))
                            {
                                foreach (var alt2 in table.Synonyms(protein[c2]).Where(s => s != codons[c2]))
                                {
                                    Consider([c1, c2], [alt1, alt2]);
                                }
                            }
                        }
                    }
                }
                if (best is { } chosen)
                {
                    for (var k = 0; k < chosen.Codons.Length; k++)
                    {
                        Set(chosen.Codons[k], chosen.Choices[k]);
                        changed.Add(chosen.Codons[k]);
                    }
                    progress = true;
                }
                else
                {
                    stuck.Add((next.Position, next.Pattern));
                }
            }
            if (!progress)
            {
                break;
            }
        }
        return changed.Count;
    }

    /// <summary>Every occurrence of every pattern (overlaps included), leftmost first: 0-based position and the pattern.</summary>
    private static IEnumerable<(int Position, string Pattern, SitePattern Site)> Occurrences(string dna, List<SitePattern> sites)
    {
        var found = new List<(int, string, SitePattern)>();
        foreach (var site in sites)
        {
            for (var at = dna.IndexOf(site.Pattern, StringComparison.Ordinal); at >= 0;
                 at = at + 1 < dna.Length ? dna.IndexOf(site.Pattern, at + 1, StringComparison.Ordinal) : -1)
            {
                found.Add((at, site.Pattern, site));
            }
        }
        return found.OrderBy(f => f.Item1).ThenBy(f => f.Item2, StringComparer.Ordinal);
    }

    private static List<SiteOccurrence> FindSites(string dna, List<SitePattern> sites) =>
        Occurrences(dna, sites).Select(o => new SiteOccurrence(o.Site.Site, o.Position + 1, o.Site.Strand)).ToList();

    /// <summary>Sharp &amp; Li's codon adaptation index: geometric mean of w over codons with a synonymous choice.</summary>
    private static double? Cai(string[] codons, HostTable table)
    {
        double logSum = 0;
        var counted = 0;
        foreach (var codon in codons)
        {
            if (table.Synonyms(table.AminoAcid(codon)).Count < 2 || table.AminoAcid(codon) == '*')
            {
                continue;
            }
            logSum += Math.Log(table.W(codon));
            counted++;
        }
        return counted == 0 ? null : Math.Round(Math.Exp(logSum / counted), 4);
    }

    /// <summary>An ArgumentException naming the tool's (snake_case) parameter, which is what the caller sees.</summary>
    private static ArgumentException Invalid(string parameter, string message) => new(message, parameter);

    private static string Json(CodonHost host) => host switch
    {
        CodonHost.EColi => "e_coli",
        CodonHost.SCerevisiae => "s_cerevisiae",
        _ => "h_sapiens",
    };

    /// <summary>A site as the user gave it, one strand's pattern of it, and which strand that is.</summary>
    private sealed record SitePattern(string Site, string Pattern, string Strand);

    /// <summary>A host's codons grouped by amino acid, most used first, with w = frequency / top synonymous frequency.</summary>
    private sealed class HostTable
    {
        private readonly IReadOnlyDictionary<string, double> _frequencies;
        private readonly Dictionary<char, List<string>> _synonyms = [];
        private readonly Dictionary<string, double> _w = new(StringComparer.Ordinal);
        private readonly Dictionary<string, char> _aminoAcid = new(StringComparer.Ordinal);

        public HostTable(CodonHost host)
        {
            _frequencies = CodonUsage.PerThousand(host);
            for (var k = 0; k < 64; k++)
            {
                var codon = new string([Bases[k / 16], Bases[k / 4 % 4], Bases[k % 4]]);
                _aminoAcid[codon] = CodeTable[k];
                if (!_synonyms.TryGetValue(CodeTable[k], out var list))
                {
                    _synonyms[CodeTable[k]] = list = [];
                }
                list.Add(codon);
            }
            foreach (var list in _synonyms.Values)
            {
                // Most frequent first; equal frequencies fall back to alphabetical order so the choice is deterministic.
                list.Sort((x, y) => _frequencies[y].CompareTo(_frequencies[x]) is var byUse and not 0 ? byUse : string.CompareOrdinal(x, y));
                foreach (var codon in list)
                {
                    _w[codon] = _frequencies[codon] / _frequencies[list[0]];
                }
            }
        }

        public List<string> Synonyms(char aminoAcid) => _synonyms[aminoAcid];

        public double Frequency(string codon) => _frequencies[codon];

        public double W(string codon) => _w[codon];

        public char AminoAcid(string codon) => _aminoAcid[codon];
    }

    /// <summary>SplitMix64 (Steele, Lea &amp; Flood 2014): tiny, fast, and the same on every runtime, unlike System.Random.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public double NextDouble()
        {
            _state += 0x9E3779B97F4A7C15;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
