using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>What <c>protein_properties</c> returns; each value as Biopython's ProtParam.ProteinAnalysis computes it.</summary>
/// <param name="Length">Number of residues.</param>
/// <param name="MolecularWeight">Average mass in Da (sum of residue masses minus water per peptide bond), to 0.01.</param>
/// <param name="IsoelectricPoint">pH of zero net charge with Biopython's Bjellqvist-type pK set, to 0.01.</param>
/// <param name="ChargeAtPh7">Net charge at pH 7.0 with the same pK set, to 0.01.</param>
/// <param name="ExtinctionCoefficientReduced">ε280 in M⁻¹·cm⁻¹ with all cysteines reduced: 5500·W + 1490·Y.</param>
/// <param name="ExtinctionCoefficientCystines">ε280 with all cysteines paired as cystines: + 125 per pair.</param>
/// <param name="Gravy">Kyte–Doolittle grand average of hydropathy, to 0.0001.</param>
/// <param name="Aromaticity">Fraction of F + W + Y (Lobry 1994), to 0.0001.</param>
/// <param name="InstabilityIndex">Guruprasad et al. 1990 instability index, to 0.01; above 40 suggests an unstable protein.</param>
/// <param name="PredictedStable">True when the instability index is 40 or less.</param>
public sealed record ProteinProperties(int Length, double MolecularWeight, double IsoelectricPoint, double ChargeAtPh7,
    int ExtinctionCoefficientReduced, int ExtinctionCoefficientCystines, double Gravy, double Aromaticity,
    double InstabilityIndex, bool PredictedStable);

/// <summary>Physico-chemical properties of a protein sequence.</summary>
public static class ProteinTools
{
    public const int MaxLength = 100_000;

    /// <summary><c>protein_properties</c>: ProtParam-style properties of a protein sequence.</summary>
    public static ResearchTool Properties { get; } = new("protein", AIFunctionFactory.Create(Compute, new AIFunctionFactoryOptions
    {
        Name = "protein_properties",
        Description = "Physico-chemical properties of a protein sequence (one-letter codes, the 20 standard amino acids), "
            + "computed as Biopython ProtParam / ExPASy ProtParam: length, average molecular weight (Da), isoelectric point, "
            + "net charge at pH 7, extinction coefficient at 280 nm (reduced and cystine forms), GRAVY (Kyte-Doolittle), "
            + "aromaticity and instability index.",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [Properties];

    private const string AminoAcids = "ACDEFGHIKLMNPQRSTVWY";

    // Average masses of the free amino acids (Da), Biopython IUPACData.protein_weights; water 18.0153.
    private static readonly Dictionary<char, double> AverageMass = new()
    {
        ['A'] = 89.0932, ['C'] = 121.1582, ['D'] = 133.1027, ['E'] = 147.1293, ['F'] = 165.1891,
        ['G'] = 75.0666, ['H'] = 155.1546, ['I'] = 131.1729, ['K'] = 146.1876, ['L'] = 131.1729,
        ['M'] = 149.2113, ['N'] = 132.1179, ['P'] = 115.1305, ['Q'] = 146.1445, ['R'] = 174.201,
        ['S'] = 105.0926, ['T'] = 119.1192, ['V'] = 117.1463, ['W'] = 204.2252, ['Y'] = 181.1885,
    };
    private const double Water = 18.0153;

    // Kyte & Doolittle 1982 hydropathy.
    private static readonly Dictionary<char, double> KyteDoolittle = new()
    {
        ['A'] = 1.8, ['R'] = -4.5, ['N'] = -3.5, ['D'] = -3.5, ['C'] = 2.5, ['Q'] = -3.5, ['E'] = -3.5,
        ['G'] = -0.4, ['H'] = -3.2, ['I'] = 4.5, ['L'] = 3.8, ['K'] = -3.9, ['M'] = 1.9, ['F'] = 2.8,
        ['P'] = -1.6, ['S'] = -0.8, ['T'] = -0.7, ['W'] = -0.9, ['Y'] = -1.3, ['V'] = 4.2,
    };

    // Biopython's IsoelectricPoint pK values (Bjellqvist et al. 1993/1994, as ExPASy Compute pI/Mw):
    // positive N-term 7.5, K 10.0, R 12.0, H 5.98; negative C-term 3.55, D 4.05, E 4.45, C 9.0, Y 10.0.
    // The N-terminal pK depends on the first residue (A 7.59, M 7.0, S 6.93, P 8.36, T 6.82, V 7.44, E 7.7) and the
    // C-terminal pK on the last (D 4.55, E 4.75).
    private static readonly (char Residue, double PK)[] PositiveSideChains = [('K', 10.0), ('R', 12.0), ('H', 5.98)];
    private static readonly (char Residue, double PK)[] NegativeSideChains = [('D', 4.05), ('E', 4.45), ('C', 9.0), ('Y', 10.0)];
    private static readonly Dictionary<char, double> NTerminalPK = new()
    {
        ['A'] = 7.59, ['M'] = 7.0, ['S'] = 6.93, ['P'] = 8.36, ['T'] = 6.82, ['V'] = 7.44, ['E'] = 7.7,
    };
    private static readonly Dictionary<char, double> CTerminalPK = new() { ['D'] = 4.55, ['E'] = 4.75 };

    // Guruprasad, Reddy & Pandit 1990 (Protein Eng 4:155) dipeptide instability weight values, DIWV[first][second],
    // rows and columns in the order of AminoAcids; transcribed from Biopython's ProtParamData.DIWV.
    private static readonly double[][] Diwv =
    [
        /* A */ [ 1.0, 44.94, -7.49, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 ],
        /* C */ [ 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, 33.6, 1.0, 1.0, 20.26, 33.6, 1.0, 20.26, -6.54, 1.0, 1.0, 33.6, -6.54, 24.68, 1.0 ],
        /* D */ [ 1.0, 1.0, 1.0, 1.0, -6.54, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 1.0, 1.0, -6.54, 20.26, -14.03, 1.0, 1.0, 1.0 ],
        /* E */ [ 1.0, 44.94, 20.26, 33.6, 1.0, 1.0, -6.54, 20.26, 1.0, 1.0, 1.0, 1.0, 20.26, 20.26, 1.0, 20.26, 1.0, 1.0, -14.03, 1.0 ],
        /* F */ [ 1.0, 1.0, 13.34, 1.0, 1.0, 1.0, 1.0, 1.0, -14.03, 1.0, 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 33.601 ],
        /* G */ [ -7.49, 1.0, 1.0, -6.54, 1.0, 13.34, 1.0, -7.49, -7.49, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, 13.34, -7.49 ],
        /* H */ [ 1.0, 1.0, 1.0, 1.0, -9.37, -9.37, 1.0, 44.94, 24.68, 1.0, 1.0, 24.68, -1.88, 1.0, 1.0, 1.0, -6.54, 1.0, -1.88, 44.94 ],
        /* I */ [ 1.0, 1.0, 1.0, 44.94, 1.0, 1.0, 13.34, 1.0, -7.49, 20.26, 1.0, 1.0, -1.88, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0 ],
        /* K */ [ 1.0, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, -7.49, 1.0, -7.49, 33.6, 1.0, -6.54, 24.64, 33.6, 1.0, 1.0, -7.49, 1.0, 1.0 ],
        /* L */ [ 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 20.26, 33.6, 20.26, 1.0, 1.0, 1.0, 24.68, 1.0 ],
        /* M */ [ 13.34, 1.0, 1.0, 1.0, 1.0, 1.0, 58.28, 1.0, 1.0, 1.0, -1.88, 1.0, 44.94, -6.54, -6.54, 44.94, -1.88, 1.0, 1.0, 24.68 ],
        /* N */ [ 1.0, -1.88, 1.0, 1.0, -14.03, -14.03, 1.0, 44.94, 24.68, 1.0, 1.0, 1.0, -1.88, -6.54, 1.0, 1.0, -7.49, 1.0, -9.37, 1.0 ],
        /* P */ [ 20.26, -6.54, -6.54, 18.38, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, -6.54, 1.0, 20.26, 20.26, -6.54, 20.26, 1.0, 20.26, -1.88, 1.0 ],
        /* Q */ [ 1.0, -6.54, 20.26, 20.26, -6.54, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 20.26, 20.26, 1.0, 44.94, 1.0, -6.54, 1.0, -6.54 ],
        /* R */ [ 1.0, 1.0, 1.0, 1.0, 1.0, -7.49, 20.26, 1.0, 1.0, 1.0, 1.0, 13.34, 20.26, 20.26, 58.28, 44.94, 1.0, 1.0, 58.28, -6.54 ],
        /* S */ [ 1.0, 33.6, 1.0, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 44.94, 20.26, 20.26, 20.26, 1.0, 1.0, 1.0, 1.0 ],
        /* T */ [ 1.0, 1.0, 1.0, 20.26, 13.34, -7.49, 1.0, 1.0, 1.0, 1.0, 1.0, -14.03, 1.0, -6.54, 1.0, 1.0, 1.0, 1.0, -14.03, 1.0 ],
        /* V */ [ 1.0, 1.0, -14.03, 1.0, 1.0, -7.49, 1.0, 1.0, -1.88, 1.0, 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, -6.54 ],
        /* W */ [ -14.03, 1.0, 1.0, 1.0, 1.0, -9.37, 24.68, 1.0, 1.0, 13.34, 24.68, 13.34, 1.0, 1.0, 1.0, 1.0, -14.03, -7.49, 1.0, 1.0 ],
        /* Y */ [ 24.68, 1.0, 24.68, -6.54, 1.0, -7.49, 13.34, 1.0, 1.0, 1.0, 44.94, 1.0, 13.34, 1.0, -15.91, 1.0, -7.49, 1.0, -9.37, 13.34 ],
    ];

    private static ProteinProperties Compute(
        [Description("Protein sequence in one-letter codes (20 standard amino acids; case, whitespace and one trailing * ignored).")] string sequence)
    {
        var seq = ReadProtein(sequence);
        var counts = AminoAcids.ToDictionary(a => a, _ => 0);
        foreach (var residue in seq)
        {
            counts[residue]++;
        }

        var weight = seq.Sum(r => AverageMass[r]) - (seq.Length - 1) * Water;
        var reduced = 5500 * counts['W'] + 1490 * counts['Y'];
        var cystines = reduced + 125 * (counts['C'] / 2);
        var gravy = seq.Sum(r => KyteDoolittle[r]) / seq.Length;
        var aromaticity = (double)(counts['F'] + counts['W'] + counts['Y']) / seq.Length;

        var instability = 0.0;
        for (var i = 0; i < seq.Length - 1; i++)
        {
            instability += Diwv[AminoAcids.IndexOf(seq[i], StringComparison.Ordinal)][AminoAcids.IndexOf(seq[i + 1], StringComparison.Ordinal)];
        }
        instability *= 10.0 / seq.Length;

        var charge = new ChargeModel(seq, counts);
        return new ProteinProperties(seq.Length, Math.Round(weight, 2), Math.Round(charge.IsoelectricPoint(), 2),
            Math.Round(charge.At(7.0), 2), reduced, cystines, Math.Round(gravy, 4), Math.Round(aromaticity, 4),
            Math.Round(instability, 2), instability <= 40);
    }

    /// <summary>Henderson–Hasselbalch net charge of the chain, with terminal pKs chosen by the terminal residues.</summary>
    private sealed class ChargeModel(string seq, Dictionary<char, int> counts)
    {
        private readonly double _nTerm = NTerminalPK.GetValueOrDefault(seq[0], 7.5);
        private readonly double _cTerm = CTerminalPK.GetValueOrDefault(seq[^1], 3.55);

        public double At(double pH)
        {
            var positive = 1.0 / (Math.Pow(10, pH - _nTerm) + 1.0);
            foreach (var (residue, pK) in PositiveSideChains)
            {
                positive += counts[residue] / (Math.Pow(10, pH - pK) + 1.0);
            }
            var negative = 1.0 / (Math.Pow(10, _cTerm - pH) + 1.0);
            foreach (var (residue, pK) in NegativeSideChains)
            {
                negative += counts[residue] / (Math.Pow(10, pK - pH) + 1.0);
            }
            return positive - negative;
        }

        /// <summary>
        /// Biopython's bisection exactly: start at pH 7.775 in [4.05, 12], move the bound on the side of the sign of
        /// the charge, stop when the interval is 0.0001 wide or narrower, answer the last pH tried.
        /// </summary>
        public double IsoelectricPoint()
        {
            double low = 4.05, high = 12, pH = 7.775;
            while (high - low > 0.0001)
            {
                if (At(pH) > 0)
                {
                    low = pH;
                }
                else
                {
                    high = pH;
                }
                pH = (low + high) / 2;
            }
            return pH;
        }
    }

    private static string ReadProtein(string sequence)
    {
        if (string.IsNullOrWhiteSpace(sequence))
        {
            throw new ArgumentException("sequence must not be empty.", nameof(sequence));
        }
        var seq = new string(sequence.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());
        if (seq.EndsWith('*'))
        {
            seq = seq[..^1];
        }
        if (seq.Length == 0)
        {
            throw new ArgumentException("sequence must hold at least one amino acid.", nameof(sequence));
        }
        var bad = seq.FirstOrDefault(c => !AminoAcids.Contains(c, StringComparison.Ordinal));
        if (bad != default)
        {
            throw new ArgumentException($"sequence may hold only the 20 standard one-letter amino acid codes; found '{bad}'.", nameof(sequence));
        }
        if (seq.Length > MaxLength)
        {
            throw new ArgumentException($"sequence must be at most {MaxLength} residues long; it is {seq.Length}.", nameof(sequence));
        }
        return seq;
    }
}
