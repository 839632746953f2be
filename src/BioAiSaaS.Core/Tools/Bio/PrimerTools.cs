using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>What <c>primer_tm</c> returns.</summary>
/// <param name="Sequence">The oligo as read (upper case, whitespace removed), 5' to 3'.</param>
/// <param name="Length">Oligo length, nt.</param>
/// <param name="TmCelsius">Nearest-neighbour Tm against the perfect complement, rounded to 0.01 °C.</param>
/// <param name="WallaceTmCelsius">Wallace rule 2·(A+T) + 4·(G+C): a rough reference for short oligos only.</param>
/// <param name="GcPercent">G + C as a percentage of the length, to 0.01.</param>
/// <param name="DeltaHKcalPerMol">Duplex formation enthalpy, kcal/mol.</param>
/// <param name="DeltaSCalPerMolK">Duplex formation entropy, cal/(mol·K), including the salt correction.</param>
/// <param name="DeltaG37KcalPerMol">ΔH − 310.15·ΔS at 37 °C, kcal/mol.</param>
/// <param name="Table">The nearest-neighbour parameter set used.</param>
/// <param name="SaltCorrection">The salt correction used.</param>
/// <param name="MonovalentEquivalentMm">Na⁺ equivalent (mM) the salt correction used: Na + K + Tris/2 + 120·√(Mg − dNTPs).</param>
/// <param name="SelfComplementary">True when the oligo is its own reverse complement (symmetry correction applied).</param>
public sealed record PrimerTm(string Sequence, int Length, double TmCelsius, double WallaceTmCelsius, double GcPercent,
    double DeltaHKcalPerMol, double DeltaSCalPerMolK, double DeltaG37KcalPerMol, string Table, string SaltCorrection,
    double MonovalentEquivalentMm, bool SelfComplementary);

/// <summary>Melting temperature of PCR primers by the nearest-neighbour model.</summary>
public static class PrimerTools
{
    public const int MinLength = 8;
    public const int MaxLength = 60;
    public const string SantaLucia1998 = "santalucia_1998";
    public const string SantaLucia2004 = "santalucia_2004";

    /// <summary><c>primer_tm</c>: nearest-neighbour Tm of a DNA oligo against its perfect complement.</summary>
    public static ResearchTool Tm { get; } = new("primers", AIFunctionFactory.Create(ComputeTm, new AIFunctionFactoryOptions
    {
        Name = "primer_tm",
        Description = "Melting temperature (Tm) of a DNA primer or oligo (8-60 nt) against its perfect complement by the "
            + "nearest-neighbour model (SantaLucia 1998 unified parameters by default, SantaLucia & Hicks 2004 optional) "
            + "with the SantaLucia 1998 entropy salt correction; defaults reproduce Biopython's Tm_NN (50 mM Na+, 25 nM "
            + "each strand). Also returns Wallace-rule Tm, GC %, dH, dS and dG37.",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [Tm];

    // Nearest-neighbour stacks as (ΔH kcal/mol, ΔS cal/(mol·K)), keyed by the top-strand dinucleotide 5'→3'. The ten
    // unique Watson–Crick stacks; the other six are the same stack read from the other strand (e.g. TT = AA).
    private sealed record NnTable(string Name, IReadOnlyDictionary<string, (double H, double S)> Stacks,
        (double H, double S) Initiation, (double H, double S) TerminalAt, (double H, double S) TerminalGc, (double H, double S) Symmetry);

    // SantaLucia 1998 (PNAS 95:1460) unified parameters = Allawi & SantaLucia 1997; Biopython's DNA_NN3, the Tm_NN default.
    // Initiation is expressed per terminal base pair: with a terminal G·C (0.1, −2.8), with a terminal A·T (2.3, 4.1).
    private static readonly NnTable Unified1998 = new(SantaLucia1998 + " (SantaLucia 1998 unified = Allawi & SantaLucia 1997; Biopython DNA_NN3)",
        Stacks(("AA", -7.9, -22.2), ("AT", -7.2, -20.4), ("TA", -7.2, -21.3), ("CA", -8.5, -22.7), ("GT", -8.4, -22.4),
            ("CT", -7.8, -21.0), ("GA", -8.2, -22.2), ("CG", -10.6, -27.2), ("GC", -9.8, -24.4), ("GG", -8.0, -19.9)),
        Initiation: (0, 0), TerminalAt: (2.3, 4.1), TerminalGc: (0.1, -2.8), Symmetry: (0, -1.4));

    // SantaLucia & Hicks 2004 (Annu Rev Biophys 33:415) as Biopython's DNA_NN4 holds it: one initiation term plus a
    // terminal A·T penalty. Biopython's copy has TA/AT ΔS −20.4 and GG/CC ΔS −19.0; kept so results match Biopython.
    private static readonly NnTable Hicks2004 = new(SantaLucia2004 + " (SantaLucia & Hicks 2004; Biopython DNA_NN4)",
        Stacks(("AA", -7.6, -21.3), ("AT", -7.2, -20.4), ("TA", -7.2, -20.4), ("CA", -8.5, -22.7), ("GT", -8.4, -22.4),
            ("CT", -7.8, -21.0), ("GA", -8.2, -22.2), ("CG", -10.6, -27.2), ("GC", -9.8, -24.4), ("GG", -8.0, -19.0)),
        Initiation: (0.2, -5.7), TerminalAt: (2.2, 6.9), TerminalGc: (0, 0), Symmetry: (0, -1.4));

    private const double GasConstant = 1.987; // cal/(mol·K), as Biopython
    private const string SaltCorrectionName = "santalucia_1998_entropy: dS += 0.368·(N−1)·ln([Na+eq] M) (Biopython saltcorr=5)";

    private static PrimerTm ComputeTm(
        [Description("DNA oligo 5'->3', 8-60 nt of A, C, G, T (case and whitespace ignored).")] string sequence,
        [Description("Na+ concentration, mM (default 50).")] double na_mm = 50,
        [Description("K+ concentration, mM (default 0).")] double k_mm = 0,
        [Description("Tris buffer concentration, mM (default 0).")] double tris_mm = 0,
        [Description("Mg2+ concentration, mM (default 0).")] double mg_mm = 0,
        [Description("dNTP concentration, mM (default 0); dNTPs bind Mg2+.")] double dntps_mm = 0,
        [Description("Concentration of each strand, nM (default 25, as Biopython dnac1 = dnac2 = 25).")] double dna_nm = 25,
        [Description("Nearest-neighbour table: santalucia_1998 (default, unified parameters) or santalucia_2004.")] string table = SantaLucia1998)
    {
        var seq = ReadOligo(sequence);
        var parameters = table?.Trim().ToUpperInvariant() switch
        {
            "SANTALUCIA_1998" => Unified1998,
            "SANTALUCIA_2004" => Hicks2004,
            _ => throw new ArgumentException($"table must be '{SantaLucia1998}' or '{SantaLucia2004}', not '{table}'.", nameof(table)),
        };
        RequireConcentration(na_mm, nameof(na_mm));
        RequireConcentration(k_mm, nameof(k_mm));
        RequireConcentration(tris_mm, nameof(tris_mm));
        RequireConcentration(mg_mm, nameof(mg_mm));
        RequireConcentration(dntps_mm, nameof(dntps_mm));
        if (!(dna_nm > 0) || double.IsInfinity(dna_nm))
        {
            throw new ArgumentOutOfRangeException(nameof(dna_nm), dna_nm, "dna_nm must be a positive strand concentration in nM.");
        }

        // Sodium equivalent of von Ahsen et al. 2001, as Biopython's salt_correction: free Mg2+ (what dNTPs leave) counts 120·√[Mg].
        var monovalent = na_mm + k_mm + tris_mm / 2.0;
        if (k_mm + mg_mm + tris_mm + dntps_mm > 0 && dntps_mm < mg_mm)
        {
            monovalent += 120 * Math.Sqrt(mg_mm - dntps_mm);
        }
        if (monovalent <= 0)
        {
            throw new ArgumentException("The salt correction needs some cations: na_mm, k_mm, tris_mm or free mg_mm must be above 0.", nameof(na_mm));
        }

        var (dH, dS) = parameters.Initiation;
        foreach (var end in new[] { seq[0], seq[^1] })
        {
            var terminal = end is 'A' or 'T' ? parameters.TerminalAt : parameters.TerminalGc;
            dH += terminal.H;
            dS += terminal.S;
        }
        for (var i = 0; i < seq.Length - 1; i++)
        {
            var stack = parameters.Stacks[seq.Substring(i, 2)];
            dH += stack.H;
            dS += stack.S;
        }

        // A self-complementary oligo pairs with itself: one strand species (Ct not Ct/4 per strand pair) and a
        // symmetry term. Biopython applies these only when told (selfcomp=True); here they follow from the sequence.
        var selfComplementary = seq == Sequences.ReverseComplement(seq, Molecule.Dna);
        double effectiveMolar;
        if (selfComplementary)
        {
            dH += parameters.Symmetry.H;
            dS += parameters.Symmetry.S;
            effectiveMolar = dna_nm * 1e-9;
        }
        else
        {
            // Biopython's k = (dnac1 − dnac2/2): equal strands give Ct/4 with Ct = 2·dna_nm.
            effectiveMolar = (dna_nm - dna_nm / 2.0) * 1e-9;
        }

        dS += 0.368 * (seq.Length - 1) * Math.Log(monovalent * 1e-3);
        var tm = 1000 * dH / (dS + GasConstant * Math.Log(effectiveMolar)) - 273.15;

        var gc = seq.Count(c => c is 'G' or 'C');
        var at = seq.Length - gc;
        return new PrimerTm(seq, seq.Length, Math.Round(tm, 2), 2 * at + 4 * gc, Math.Round(100.0 * gc / seq.Length, 2),
            Math.Round(dH, 3), Math.Round(dS, 3), Math.Round(dH - 310.15 * dS / 1000, 3), parameters.Name, SaltCorrectionName,
            Math.Round(monovalent, 3), selfComplementary);
    }

    private static string ReadOligo(string sequence)
    {
        if (string.IsNullOrWhiteSpace(sequence))
        {
            throw new ArgumentException("sequence must not be empty.", nameof(sequence));
        }
        var seq = new string(sequence.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());
        var bad = seq.FirstOrDefault(c => c is not ('A' or 'C' or 'G' or 'T'));
        if (bad != default)
        {
            throw new ArgumentException($"sequence may hold only A, C, G and T; found '{bad}'.", nameof(sequence));
        }
        if (seq.Length is < MinLength or > MaxLength)
        {
            throw new ArgumentException($"sequence must be {MinLength}-{MaxLength} nt long; it is {seq.Length}.", nameof(sequence));
        }
        return seq;
    }

    private static void RequireConcentration(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a concentration of 0 or more (mM).");
        }
    }

    private static Dictionary<string, (double H, double S)> Stacks(params (string Top, double H, double S)[] unique)
    {
        var stacks = new Dictionary<string, (double H, double S)>(StringComparer.Ordinal);
        foreach (var (top, h, s) in unique)
        {
            stacks[top] = (h, s);
            stacks[Sequences.ReverseComplement(top, Molecule.Dna)] = (h, s); // the same stack read on the other strand
        }
        return stacks;
    }

}
