using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary>
/// <c>protein_properties</c> against hand arithmetic and against Biopython 1.80 ProtParam.ProteinAnalysis run on this
/// machine (and the IsoelectricPoint docstring examples: INGAR pI 9.75, charge 0.76 at pH 7; PETER pI 4.53).
/// </summary>
public sealed class ProteinToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tetrapeptide_has_the_hand_computed_GRAVY_extinction_mass_and_aromaticity()
    {
        // WYCC by hand:
        //   GRAVY (Kyte-Doolittle) = (W -0.9 + Y -1.3 + C 2.5 + C 2.5) / 4 = 2.8 / 4 = 0.7
        //   ε280 reduced = 5500·1 W + 1490·1 Y = 6990; as cystines + 125·(2 C / 2) = 7115
        //   mass = 204.2252 + 181.1885 + 2·121.1582 - 3·18.0153 water = 627.7301 - 54.0459 = 573.6842
        //   aromaticity = (W + Y) / 4 = 0.5
        var result = await InvokeAsync("wycc");

        Assert.Equal(4, result.Length);
        Assert.Equal(0.7, result.Gravy, 4);
        Assert.Equal(6990, result.ExtinctionCoefficientReduced);
        Assert.Equal(7115, result.ExtinctionCoefficientCystines);
        Assert.Equal(573.68, result.MolecularWeight, 2);
        Assert.Equal(0.5, result.Aromaticity, 4);
        Assert.Equal(5.51, result.IsoelectricPoint, 2); // Biopython 5.5107
    }

    [Fact]
    public async Task Isoelectric_points_and_charges_match_Biopython()
    {
        var ingar = await InvokeAsync("INGAR");
        Assert.Equal(9.75, ingar.IsoelectricPoint, 2);
        Assert.Equal(0.76, ingar.ChargeAtPh7, 2);
        Assert.Equal(-39.04, ingar.InstabilityIndex, 2);  // Biopython instability_index() = -39.04

        Assert.Equal(4.53, (await InvokeAsync("PETER")).IsoelectricPoint, 2);

        // Poly-Lys is basic, poly-Asp acidic: Biopython 10.8453 and 4.05 (its bisection's lower bound).
        var polyLys = await InvokeAsync("KKKKKKKK");
        Assert.InRange(polyLys.IsoelectricPoint, 10, 11.5);
        Assert.Equal(10.85, polyLys.IsoelectricPoint, 2);
        Assert.True(polyLys.ChargeAtPh7 > 7);
        var polyAsp = await InvokeAsync("DDDDDDDD");
        Assert.InRange(polyAsp.IsoelectricPoint, 3.5, 4.1);
        Assert.True(polyAsp.ChargeAtPh7 < -7);
    }

    [Fact]
    public async Task The_serum_albumin_signal_peptide_matches_Biopython()
    {
        // Human serum albumin (P02768) residues 1-18. Biopython 1.80: MW 2140.5405, pI 8.3447, charge(7) 0.4984,
        // ε (6990, 6990), GRAVY 1.233333, aromaticity 0.277778, instability 17.5667.
        var result = await InvokeAsync("MKWVTFISLLFLFSSAYS");

        Assert.Equal(18, result.Length);
        Assert.Equal(2140.54, result.MolecularWeight, 2);
        Assert.Equal(8.34, result.IsoelectricPoint, 2);
        Assert.Equal(0.50, result.ChargeAtPh7, 2);
        Assert.Equal(6990, result.ExtinctionCoefficientReduced);
        Assert.Equal(6990, result.ExtinctionCoefficientCystines);
        Assert.Equal(1.2333, result.Gravy, 4);
        Assert.Equal(0.2778, result.Aromaticity, 4);
        Assert.Equal(17.57, result.InstabilityIndex, 2);
        Assert.True(result.PredictedStable);
    }

    [Fact]
    public async Task All_twenty_amino_acids_match_Biopython_including_the_instability_table()
    {
        // Biopython 1.80: MW 2395.7134, pI 6.7846, GRAVY -0.49, aromaticity 0.15, instability 84.74.
        var result = await InvokeAsync("ACDEFGHIKLMNPQRSTVWY*");

        Assert.Equal(20, result.Length);
        Assert.Equal(2395.71, result.MolecularWeight, 2);
        Assert.Equal(6.78, result.IsoelectricPoint, 2);
        Assert.Equal(-0.49, result.Gravy, 4);
        Assert.Equal(0.15, result.Aromaticity, 4);
        Assert.Equal(84.74, result.InstabilityIndex, 2);
        Assert.False(result.PredictedStable);
    }

    [Theory]
    [InlineData("MKXV")]   // X: unknown residue has no mass
    [InlineData("MK1V")]
    [InlineData("")]
    [InlineData("*")]
    public async Task Invalid_sequences_are_refused_naming_the_sequence(string sequence)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => InvokeAsync(sequence));
        Assert.Equal("sequence", error.ParamName);
    }

    [Fact]
    public void All_holds_protein_properties_in_the_protein_category()
    {
        var tool = Assert.Single(ProteinTools.All);
        Assert.Equal("protein_properties", tool.Name);
        Assert.Equal("protein", tool.Category);
    }

    private static async Task<ProteinProperties> InvokeAsync(string sequence)
    {
        var result = await ProteinTools.Properties.Function.InvokeAsync(
            new AIFunctionArguments(new Dictionary<string, object?> { ["sequence"] = sequence }), Ct);
        return ((JsonElement)result!).Deserialize<ProteinProperties>(JsonSerializerOptions.Web)!;
    }
}
