using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary><c>primer_tm</c> against hand arithmetic and against Biopython 1.80 <c>MeltingTemp.Tm_NN</c>, run on this machine.</summary>
public sealed class PrimerToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Default_tm_of_a_short_oligo_matches_the_hand_computed_nearest_neighbour_sum()
    {
        // GACTGACT with SantaLucia 1998 unified parameters (ΔH kcal/mol, ΔS cal/(mol·K)):
        //   stacks GA -8.2/-22.2, AC(=GT/CA) -8.4/-22.4, CT -7.8/-21.0, TG(=CA/GT) -8.5/-22.7, GA, AC, CT
        //     ΔH = -57.3, ΔS = -153.9
        //   terminal G·C (0.1, -2.8) + terminal A·T (2.3, 4.1): ΔH = -54.9, ΔS = -152.6
        //   salt (SantaLucia 1998): ΔS += 0.368·7·ln(0.050) = -7.71701 -> ΔS = -160.31701
        //   Tm = 1000·ΔH / (ΔS + R·ln(Ct/4)), R = 1.987, Ct/4 = 12.5 nM: 1.987·ln(1.25e-8) = -36.15871
        //      = -54900 / -196.47572 - 273.15 = 6.27 °C  (Biopython Tm_NN("GACTGACT") = 6.2741)
        var result = await InvokeAsync(new() { ["sequence"] = "gactgact" });

        Assert.Equal("GACTGACT", result.Sequence);
        Assert.Equal(8, result.Length);
        Assert.Equal(6.27, result.TmCelsius, 2);
        Assert.Equal(-54.9, result.DeltaHKcalPerMol, 3);
        Assert.Equal(-160.317, result.DeltaSCalPerMolK, 3);
        Assert.Equal(24, result.WallaceTmCelsius); // 2·(4 A/T) + 4·(4 G/C)
        Assert.Equal(50, result.GcPercent);
        Assert.Equal(50, result.MonovalentEquivalentMm);
        Assert.StartsWith("santalucia_1998", result.Table, StringComparison.Ordinal);
        Assert.Contains("saltcorr=5", result.SaltCorrection, StringComparison.Ordinal);
        Assert.False(result.SelfComplementary);
    }

    [Fact]
    public async Task A_20_mer_matches_Biopython_with_default_salt_with_Mg_and_dNTPs_and_with_the_2004_table()
    {
        // Biopython 1.80 on this machine: Tm_NN(s) = 53.1207; Tm_NN(s, nn_table=DNA_NN4) = 55.5151;
        // Tm_NN(s, Na=50, K=10, Tris=20, Mg=1.5, dNTPs=0.8) = 59.0932; Tm_Wallace(s) = 60.
        const string s = "AGCGTAGCTAGGCTAACGTT";

        var standard = await ComputeAsync(s);
        Assert.Equal(53.12, standard.TmCelsius, 2);
        Assert.Equal(60, standard.WallaceTmCelsius);

        Assert.Equal(55.52, (await ComputeAsync(s, table: "santalucia_2004")).TmCelsius, 2);

        var pcr = await ComputeAsync(s, kMm: 10, trisMm: 20, mgMm: 1.5, dntpsMm: 0.8);
        Assert.Equal(59.09, pcr.TmCelsius, 2);
        Assert.Equal(50 + 10 + 10 + 120 * Math.Sqrt(0.7), pcr.MonovalentEquivalentMm, 3); // von Ahsen Na+ equivalent
    }

    [Fact]
    public async Task Tm_rises_with_GC_content_with_sodium_and_with_strand_concentration()
    {
        var atRich = await ComputeAsync("ATTATAATTAGCATTAAT");
        var gcRich = await ComputeAsync("GCCGCGGCTAGCCGGCGC");
        Assert.True(gcRich.TmCelsius > atRich.TmCelsius + 20);

        const string primer = "AGCGTAGCTAGGCTAACGTT";
        Assert.True((await ComputeAsync(primer, naMm: 200)).TmCelsius > (await ComputeAsync(primer, naMm: 50)).TmCelsius);
        Assert.True((await ComputeAsync(primer, naMm: 50)).TmCelsius > (await ComputeAsync(primer, naMm: 10)).TmCelsius);
        Assert.True((await ComputeAsync(primer, dnaNm: 250)).TmCelsius > (await ComputeAsync(primer)).TmCelsius);
    }

    [Fact]
    public async Task A_self_complementary_oligo_gets_the_symmetry_correction()
    {
        var result = await ComputeAsync("GAATTCGAATTC");
        Assert.True(result.SelfComplementary);
    }

    [Theory]
    [InlineData("ACGTNACGTA")]  // N is not a base the model has parameters for
    [InlineData("ACGUACGUAC")]  // RNA
    [InlineData("ACGTACG")]     // 7 nt: too short
    [InlineData("")]
    public async Task Invalid_oligos_are_refused_naming_the_sequence(string sequence)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => ComputeAsync(sequence));
        Assert.Equal("sequence", error.ParamName);
    }

    [Fact]
    public async Task Too_long_oligos_unknown_tables_and_negative_salt_are_refused()
    {
        Assert.Equal("sequence", (await Assert.ThrowsAnyAsync<ArgumentException>(() => ComputeAsync(new string('A', 61)))).ParamName);
        Assert.Equal("table", (await Assert.ThrowsAnyAsync<ArgumentException>(() => ComputeAsync("ACGTACGTAC", table: "breslauer"))).ParamName);
        Assert.Equal("mg_mm", (await Assert.ThrowsAnyAsync<ArgumentException>(() => ComputeAsync("ACGTACGTAC", mgMm: -1))).ParamName);
        Assert.Equal("dna_nm", (await Assert.ThrowsAnyAsync<ArgumentException>(() => ComputeAsync("ACGTACGTAC", dnaNm: 0))).ParamName);
        Assert.Equal("na_mm", (await Assert.ThrowsAnyAsync<ArgumentException>(() => ComputeAsync("ACGTACGTAC", naMm: 0))).ParamName);
    }

    [Fact]
    public Task Invalid_input_through_the_AIFunction_throws_ArgumentException() =>
        Assert.ThrowsAnyAsync<ArgumentException>(() => InvokeAsync(new() { ["sequence"] = "ACGTXACGTA" }));

    [Fact]
    public void All_holds_primer_tm_in_the_primers_category()
    {
        var tool = Assert.Single(PrimerTools.All);
        Assert.Equal("primer_tm", tool.Name);
        Assert.Equal("primers", tool.Category);
        Assert.Equal(["sequence"], tool.ParametersSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    private static Task<PrimerTm> ComputeAsync(string sequence, double naMm = 50, double kMm = 0, double trisMm = 0, double mgMm = 0,
        double dntpsMm = 0, double dnaNm = 25, string table = "santalucia_1998") =>
        InvokeAsync(new()
        {
            ["sequence"] = sequence, ["na_mm"] = naMm, ["k_mm"] = kMm, ["tris_mm"] = trisMm, ["mg_mm"] = mgMm,
            ["dntps_mm"] = dntpsMm, ["dna_nm"] = dnaNm, ["table"] = table,
        });

    private static async Task<PrimerTm> InvokeAsync(Dictionary<string, object?> arguments)
    {
        var result = await PrimerTools.Tm.Function.InvokeAsync(new AIFunctionArguments(arguments), Ct);
        return ((JsonElement)result!).Deserialize<PrimerTm>(JsonSerializerOptions.Web)!;
    }
}
