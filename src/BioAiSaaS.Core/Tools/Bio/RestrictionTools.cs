using System.ComponentModel;
using Microsoft.Extensions.AI;
using Iupac = BioAiSaaS.Core.Tools.Bio.MotifTools.Iupac;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>One recognition site of one enzyme in the sequence.</summary>
/// <param name="Enzyme">The enzyme name.</param>
/// <param name="RecognitionSite">Its recognition sequence (IUPAC), 5'->3'.</param>
/// <param name="Position">1-based top-strand position of the first base of the recognition sequence as it reads on the top strand.</param>
/// <param name="Strand">"+" when the recognition sequence reads on the top strand, "-" when on the bottom strand
/// (non-palindromic sites only; a palindromic site is one site, reported on "+").</param>
/// <param name="TopCut">The top strand is cut after this 1-based base; null when the cut falls off the end of a linear molecule.</param>
/// <param name="BottomCut">The bottom strand is cut opposite the gap after this 1-based top-strand base; null as for TopCut.</param>
/// <param name="Overhang">"5'", "3'" or "blunt".</param>
/// <param name="OverhangLength">Bases of single-stranded overhang (0 for blunt).</param>
public sealed record RestrictionSite(string Enzyme, string RecognitionSite, int Position, string Strand, int? TopCut,
    int? BottomCut, string Overhang, int OverhangLength);

/// <summary>A fragment of the digest with every enzyme considered, by top-strand cuts.</summary>
/// <param name="Start">1-based first base.</param>
/// <param name="End">1-based last base; smaller than Start when a circular fragment runs through the origin.</param>
/// <param name="Length">Fragment length, bp.</param>
public sealed record RestrictionFragment(int Start, int End, int Length);

/// <summary>What <c>restriction_map</c> returns.</summary>
/// <param name="Length">Sequence length, bp.</param>
/// <param name="Circular">True when the molecule was taken as circular.</param>
/// <param name="EnzymesConsidered">The enzymes searched for.</param>
/// <param name="Sites">Every site, by position then enzyme.</param>
/// <param name="Fragments">The fragments of a digest with all enzymes considered at once, longest first.</param>
/// <param name="SingleCutters">Enzymes with exactly one site, alphabetical.</param>
/// <param name="NonCutters">Enzymes with no site, alphabetical.</param>
public sealed record RestrictionMap(int Length, bool Circular, IReadOnlyList<string> EnzymesConsidered,
    IReadOnlyList<RestrictionSite> Sites, IReadOnlyList<RestrictionFragment> Fragments, IReadOnlyList<string> SingleCutters,
    IReadOnlyList<string> NonCutters);

/// <summary>A Type II restriction enzyme: recognition sequence (IUPAC, 5'→3' top strand) and where it cuts.</summary>
/// <param name="Name">The enzyme name, as REBASE spells it.</param>
/// <param name="Site">Recognition sequence, IUPAC, 5'->3' top strand.</param>
/// <param name="TopCut">Top strand cut after this many bases from the start of the recognition sequence (may exceed its length: Type IIS).</param>
/// <param name="BottomCut">Bottom strand cut at the same offset convention, in top-strand coordinates.</param>
public sealed record RestrictionEnzyme(string Name, string Site, int TopCut, int BottomCut);

/// <summary>Restriction maps with a built-in table of common commercial enzymes.</summary>
public static class RestrictionTools
{
    public const int MaxLength = 10_000_000;

    /// <summary>The built-in enzymes. Cut offsets from REBASE/NEB notation: G^AATTC is (1, 5), BsaI GGTCTC(1/5) is (7, 11).</summary>
    public static IReadOnlyList<RestrictionEnzyme> Enzymes { get; } =
    [
        new("AatII", "GACGTC", 5, 1),
        new("AgeI", "ACCGGT", 1, 5),
        new("AluI", "AGCT", 2, 2),
        new("ApaI", "GGGCCC", 5, 1),
        new("AscI", "GGCGCGCC", 2, 6),
        new("BamHI", "GGATCC", 1, 5),
        new("BbsI", "GAAGAC", 8, 12),      // GAAGAC(2/6)
        new("BglII", "AGATCT", 1, 5),
        new("BsaI", "GGTCTC", 7, 11),      // GGTCTC(1/5)
        new("BsmBI", "CGTCTC", 7, 11),     // CGTCTC(1/5)
        new("BsrGI", "TGTACA", 1, 5),
        new("ClaI", "ATCGAT", 2, 4),
        new("DraI", "TTTAAA", 3, 3),
        new("EcoRI", "GAATTC", 1, 5),
        new("EcoRV", "GATATC", 3, 3),
        new("HaeIII", "GGCC", 2, 2),
        new("HincII", "GTYRAC", 3, 3),
        new("HindIII", "AAGCTT", 1, 5),
        new("HpaI", "GTTAAC", 3, 3),
        new("KpnI", "GGTACC", 5, 1),
        new("MboI", "GATC", 0, 4),
        new("MluI", "ACGCGT", 1, 5),
        new("NcoI", "CCATGG", 1, 5),
        new("NdeI", "CATATG", 2, 4),
        new("NheI", "GCTAGC", 1, 5),
        new("NotI", "GCGGCCGC", 2, 6),
        new("NsiI", "ATGCAT", 5, 1),
        new("PacI", "TTAATTAA", 5, 3),
        new("PstI", "CTGCAG", 5, 1),
        new("PvuII", "CAGCTG", 3, 3),
        new("SacI", "GAGCTC", 5, 1),
        new("SacII", "CCGCGG", 4, 2),
        new("SalI", "GTCGAC", 1, 5),
        new("SapI", "GCTCTTC", 8, 11),     // GCTCTTC(1/4)
        new("Sau3AI", "GATC", 0, 4),
        new("ScaI", "AGTACT", 3, 3),
        new("SmaI", "CCCGGG", 3, 3),
        new("SpeI", "ACTAGT", 1, 5),
        new("SphI", "GCATGC", 5, 1),
        new("XbaI", "TCTAGA", 1, 5),
        new("XhoI", "CTCGAG", 1, 5),
        new("XmaI", "CCCGGG", 1, 5),
    ];

    /// <summary><c>restriction_map</c>: sites, cuts and fragments of a DNA sequence for common enzymes.</summary>
    public static ResearchTool Map { get; } = new("cloning", AIFunctionFactory.Create(ComputeMap, new AIFunctionFactoryOptions
    {
        Name = "restriction_map",
        Description = "Restriction map of a DNA sequence (linear or circular) with a built-in set of ~40 common Type II "
            + "enzymes (EcoRI, BamHI, HindIII, NotI, XhoI, NdeI, NcoI, PstI, KpnI, SmaI, EcoRV, XbaI, SpeI, BsaI, BsmBI, "
            + "SapI, Sau3AI...): every site on both strands with 1-based cut positions and overhang (5', 3', blunt), "
            + "the fragment sizes of the digest, the single cutters and the enzymes that do not cut.",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [Map];

    private static readonly Dictionary<string, RestrictionEnzyme> ByName =
        Enzymes.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);

    private static RestrictionMap ComputeMap(
        [Description("DNA sequence, top strand 5'->3' (A, C, G, T; N allowed and never part of a site; case and whitespace ignored).")] string sequence,
        [Description("Enzyme names to use (case-insensitive), e.g. [\"EcoRI\", \"BamHI\"]; omit for all built-in enzymes.")] string[]? enzymes = null,
        [Description("True for a circular molecule such as a plasmid (sites may span the origin); default false (linear).")] bool circular = false)
    {
        var seq = Iupac.ReadDna(sequence, nameof(sequence), allowAmbiguity: false, MaxLength);
        var chosen = ChooseEnzymes(enzymes);

        var sites = new List<RestrictionSite>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var enzyme in chosen)
        {
            var found = FindSites(seq, enzyme, circular);
            counts[enzyme.Name] = found.Count;
            sites.AddRange(found);
        }
        sites.Sort((a, b) => a.Position != b.Position ? a.Position.CompareTo(b.Position) : string.CompareOrdinal(a.Enzyme, b.Enzyme));

        var cuts = sites.Where(s => s.TopCut is not null).Select(s => s.TopCut!.Value).Distinct().Order().ToList();
        return new RestrictionMap(seq.Length, circular, chosen.Select(e => e.Name).ToList(), sites,
            Fragments(seq.Length, cuts, circular),
            counts.Where(c => c.Value == 1).Select(c => c.Key).Order(StringComparer.Ordinal).ToList(),
            counts.Where(c => c.Value == 0).Select(c => c.Key).Order(StringComparer.Ordinal).ToList());
    }

    private static List<RestrictionEnzyme> ChooseEnzymes(string[]? enzymes)
    {
        if (enzymes is null || enzymes.Length == 0)
        {
            return [.. Enzymes];
        }
        var chosen = new List<RestrictionEnzyme>();
        foreach (var name in enzymes)
        {
            var key = name?.Trim() ?? "";
            if (!ByName.TryGetValue(key, out var enzyme))
            {
                var close = Enzymes.Select(e => e.Name)
                    .Where(n => Levenshtein(n.ToUpperInvariant(), key.ToUpperInvariant()) <= 2
                        || (key.Length >= 3 && n.StartsWith(key[..3], StringComparison.OrdinalIgnoreCase)))
                    .ToList();
                var hint = close.Count > 0
                    ? "Did you mean " + string.Join(", ", close) + "?"
                    : "Known enzymes: " + string.Join(", ", Enzymes.Select(e => e.Name)) + ".";
                throw new ArgumentException($"enzymes: unknown enzyme '{name}'. {hint}", nameof(enzymes));
            }
            if (!chosen.Contains(enzyme))
            {
                chosen.Add(enzyme);
            }
        }
        return chosen;
    }

    private static List<RestrictionSite> FindSites(string seq, RestrictionEnzyme enzyme, bool circular)
    {
        var n = seq.Length;
        var length = enzyme.Site.Length;
        var reverse = Sequences.ReverseComplement(enzyme.Site, Molecule.Dna);
        var palindromic = reverse == enzyme.Site;
        // A circular molecule is read once round plus the bases a site starting near the end needs from the start.
        var text = circular && n >= length ? seq + seq[..(length - 1)] : seq;
        var lastStart = circular ? n - 1 : n - length;

        var found = new List<RestrictionSite>();
        for (var start = 0; start <= lastStart && start + length <= text.Length; start++)
        {
            if (Iupac.MatchesAt(text, start, enzyme.Site))
            {
                found.Add(Site(enzyme, start, "+", enzyme.TopCut, enzyme.BottomCut, n, circular));
            }
            if (!palindromic && Iupac.MatchesAt(text, start, reverse))
            {
                // The enzyme reads the bottom strand: its top-strand cut is our bottom-strand cut, mirrored in the site.
                found.Add(Site(enzyme, start, "-", length - enzyme.BottomCut, length - enzyme.TopCut, n, circular));
            }
        }
        return found;
    }

    private static RestrictionSite Site(RestrictionEnzyme enzyme, int start, string strand, int topOffset, int bottomOffset, int n, bool circular)
    {
        var overhang = enzyme.BottomCut - enzyme.TopCut;
        return new RestrictionSite(enzyme.Name, enzyme.Site, start + 1, strand, CutPosition(start + topOffset, n, circular),
            CutPosition(start + bottomOffset, n, circular), overhang > 0 ? "5'" : overhang < 0 ? "3'" : "blunt", Math.Abs(overhang));
    }

    /// <summary>"After base c" (1-based) for a cut after <paramref name="offset"/> bases of the sequence from its start.</summary>
    private static int? CutPosition(int offset, int n, bool circular)
    {
        if (circular)
        {
            var c = ((offset % n) + n) % n;
            return c == 0 ? n : c; // after the last base = across the origin
        }
        return offset is >= 1 && offset <= n - 1 ? offset : null;
    }

    private static List<RestrictionFragment> Fragments(int n, List<int> cuts, bool circular)
    {
        var fragments = new List<RestrictionFragment>();
        if (cuts.Count == 0)
        {
            fragments.Add(new RestrictionFragment(1, n, n));
        }
        else if (circular)
        {
            for (var i = 0; i < cuts.Count; i++)
            {
                var from = cuts[i];
                var to = i + 1 < cuts.Count ? cuts[i + 1] : cuts[0] + n;
                var startBase = from % n + 1;
                var endBase = (to - 1) % n + 1;
                fragments.Add(new RestrictionFragment(startBase, endBase, to - from));
            }
        }
        else
        {
            var previous = 0;
            foreach (var cut in cuts.Append(n))
            {
                fragments.Add(new RestrictionFragment(previous + 1, cut, cut - previous));
                previous = cut;
            }
        }
        return [.. fragments.OrderByDescending(f => f.Length).ThenBy(f => f.Start)];
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
