using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary>codon_optimise: the DNA encodes the input, uses the host's preferred codons, and keeps chosen sites out.</summary>
public sealed class CodonToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] EcoRI = ["GAATTC"];

    // A protein using all 20 amino acids (human ubiquitin's first 40 residues plus the missing C, W).
    private const string AllAminoAcids = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQCWHY";

    [Theory]
    [InlineData(CodonHost.EColi, CodonStrategy.MostFrequent)]
    [InlineData(CodonHost.SCerevisiae, CodonStrategy.MostFrequent)]
    [InlineData(CodonHost.HSapiens, CodonStrategy.MostFrequent)]
    [InlineData(CodonHost.EColi, CodonStrategy.Weighted)]
    [InlineData(CodonHost.HSapiens, CodonStrategy.Weighted)]
    public void The_DNA_translates_back_to_the_input_protein(CodonHost host, CodonStrategy strategy)
    {
        var result = CodonTools.Run(AllAminoAcids + "*", host, CodonInput.Protein, ["GAATTC", "GGATCC"], strategy);

        Assert.Equal(AllAminoAcids + "*", Translate(result.Dna));
        Assert.Equal(AllAminoAcids + "*", result.Protein);
        Assert.Equal(3 * (AllAminoAcids.Length + 1), result.Length);
        Assert.Empty(result.RemainingSites);
        Assert.DoesNotContain("GAATTC", result.Dna, StringComparison.Ordinal);
        Assert.DoesNotContain("GGATCC", result.Dna, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CodonHost.EColi)]
    [InlineData(CodonHost.SCerevisiae)]
    [InlineData(CodonHost.HSapiens)]
    public void Most_frequent_picks_the_hosts_top_codon_for_every_amino_acid(CodonHost host)
    {
        var table = CodonUsage.PerThousand(host);
        var result = CodonTools.Run(AllAminoAcids, host);

        for (var k = 0; k < AllAminoAcids.Length; k++)
        {
            var codon = result.Dna.Substring(3 * k, 3);
            var synonyms = table.Keys.Where(c => Translate(c)[0] == AllAminoAcids[k]);
            Assert.Equal(synonyms.Max(c => table[c]), table[codon]);
        }
        Assert.Equal(1.0, result.Cai);
    }

    [Fact]
    public void Most_frequent_uses_the_textbook_preferences()
    {
        // From the Kazusa tables: Leu is CTG in E. coli (52.6 ‰) and human (39.6 ‰) but TTG in yeast (27.2 ‰ vs TTA 26.2 ‰);
        // Arg is CGC in E. coli (22.0 ‰), AGA in yeast (21.3 ‰); Lys is AAA in E. coli (33.6 ‰), AAG in human (31.9 ‰).
        Assert.Equal("ATGCTGCGCAAA", CodonTools.Run("MLRK", CodonHost.EColi).Dna);
        Assert.Equal("ATGTTGAGAAAA", CodonTools.Run("MLRK", CodonHost.SCerevisiae).Dna);
        Assert.Equal("CTG", CodonTools.Run("L", CodonHost.HSapiens).Dna);
        Assert.Equal("AAG", CodonTools.Run("K", CodonHost.HSapiens).Dna);
    }

    [Fact]
    public void An_EcoRI_site_made_at_a_codon_junction_is_removed_when_asked()
    {
        // In yeast the top codons of L, N and S are TTG, AAT and TCT (Kazusa: 27.2, 35.7, 23.5 ‰), so MLNS back-translates to
        // ATG TTG AAT TCT, with GAATTC across the junctions of codons 2–4.
        var plain = CodonTools.Run("MLNS", CodonHost.SCerevisiae);
        Assert.Equal("ATGTTGAATTCT", plain.Dna);
        Assert.Equal(5, plain.Dna.IndexOf("GAATTC", StringComparison.Ordinal)); // the last G of TTG, then AAT, then TC of TCT
        Assert.Empty(plain.RemainingSites); // nothing was asked to be avoided

        var avoided = CodonTools.Run("MLNS", CodonHost.SCerevisiae, avoidSites: ["gaattc"]);

        Assert.DoesNotContain("GAATTC", avoided.Dna, StringComparison.Ordinal);
        Assert.Equal("MLNS", Translate(avoided.Dna));
        Assert.Empty(avoided.RemainingSites);
        Assert.Equal(1, avoided.CodonsChangedForSites);
        Assert.True(avoided.Cai < 1.0);
    }

    [Fact]
    public void A_site_no_synonymous_change_can_remove_is_reported()
    {
        // MW is ATG TGG whatever the host (single-codon amino acids), so ATGTGG cannot be avoided.
        var result = CodonTools.Run("MW", CodonHost.EColi, avoidSites: ["ATGTGG"]);

        Assert.Equal("ATGTGG", result.Dna);
        Assert.Equal([new SiteOccurrence("ATGTGG", 1, "+")], result.RemainingSites);
        Assert.Null(result.Cai);
    }

    [Fact]
    public void A_site_is_also_kept_out_of_the_reverse_strand()
    {
        // BsaI's GGTCTC is not a palindrome: its reverse complement is GAGACC. Human top codons for E and T are GAG (39.6 ‰)
        // and ACC (18.9 ‰), so ET back-translates to GAGACC, a BsaI site on the reverse strand.
        const string protein = "ET";
        var plain = CodonTools.Run(protein, CodonHost.HSapiens);
        Assert.Equal("GAGACC", plain.Dna);

        var avoided = CodonTools.Run(protein, CodonHost.HSapiens, avoidSites: ["GGTCTC"]);

        Assert.DoesNotContain("GAGACC", avoided.Dna, StringComparison.Ordinal);
        Assert.DoesNotContain("GGTCTC", avoided.Dna, StringComparison.Ordinal);
        Assert.Equal(protein, Translate(avoided.Dna));
    }

    [Fact]
    public void A_CDS_is_recoded_for_the_host_and_weighted_is_repeatable()
    {
        // E. coli-style CDS for MLRK* recoded for yeast: the protein stays, the codons become yeast's top ones.
        var result = CodonTools.Run("ATGCTGCGCAAATAA", CodonHost.SCerevisiae, CodonInput.Cds);

        Assert.Equal("MLRK*", result.Protein);
        Assert.Equal("ATGTTGAGAAAATAA", result.Dna);
        Assert.Equal(20.0, result.GcPercent); // 3 of 15 bases (the G of ATG, TTG, AGA) are G or C

        var first = CodonTools.Run(AllAminoAcids, CodonHost.HSapiens, strategy: CodonStrategy.Weighted);
        var second = CodonTools.Run(AllAminoAcids, CodonHost.HSapiens, strategy: CodonStrategy.Weighted);
        Assert.Equal(first.Dna, second.Dna);
        Assert.InRange(first.Cai!.Value, 0.1, 1.0);
    }

    [Fact]
    public void A_long_protein_with_many_short_sites_to_avoid_finishes_and_stays_correct()
    {
        // 10,000 residues (the limit) and five 5-base sites, each common by chance: a stress test of the greedy removal.
        var random = new Random(11);
        var protein = new string([.. Enumerable.Range(0, 10_000).Select(_ => AllAminoAcids[random.Next(AllAminoAcids.Length)])]);
        string[] sites = ["GAATT", "GGATC", "CTGCA", "AAGCT", "GCGGC"];

        var result = CodonTools.Run(protein, CodonHost.EColi, avoidSites: sites);

        Assert.Equal(protein, Translate(result.Dna));
        foreach (var site in result.RemainingSites)
        {
            Assert.Contains(site.Site, sites);
        }
        Assert.True(result.RemainingSites.Count < 20, $"{result.RemainingSites.Count} sites remain");
    }

    [Fact]
    public void The_host_tables_are_complete_and_sum_to_about_a_thousand()
    {
        foreach (var host in Enum.GetValues<CodonHost>())
        {
            var table = CodonUsage.PerThousand(host);
            Assert.Equal(64, table.Count);
            Assert.InRange(table.Values.Sum(), 995, 1005);
            Assert.All(table.Values, v => Assert.True(v > 0));
        }
    }

    [Fact]
    public async Task The_tool_binds_snake_case_arguments_and_returns_the_typed_result()
    {
        var result = await CodonTools.Optimise.Function.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?>
        {
            ["protein_or_cds"] = "MLNS",
            ["host"] = "s_cerevisiae",
            ["input"] = "protein",
            ["avoid_sites"] = EcoRI,
            ["strategy"] = "most_frequent",
        }), Ct);

        var optimised = ((JsonElement)result!).Deserialize<CodonOptimisation>(JsonSerializerOptions.Web)!;
        Assert.Equal("MLNS", Translate(optimised.Dna));
        Assert.DoesNotContain("GAATTC", optimised.Dna, StringComparison.Ordinal);
        Assert.Equal("s_cerevisiae", optimised.Host);
        Assert.Equal("most_frequent", optimised.Strategy);
        Assert.Equal("cloning", CodonTools.Optimise.Category);
        Assert.Contains("h_sapiens", CodonTools.Optimise.ParametersSchema.GetProperty("properties").GetProperty("host").GetRawText(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_is_rejected_naming_the_parameter()
    {
        Assert.Equal("protein_or_cds", Assert.Throws<ArgumentException>(() => CodonTools.Run("MJK")).ParamName);
        Assert.Equal("protein_or_cds", Assert.Throws<ArgumentException>(() => CodonTools.Run("M*K")).ParamName);
        Assert.Equal("protein_or_cds", Assert.Throws<ArgumentException>(() => CodonTools.Run("")).ParamName);
        Assert.Equal("protein_or_cds", Assert.Throws<ArgumentException>(() => CodonTools.Run("ATGC", input: CodonInput.Cds)).ParamName);
        Assert.Equal("protein_or_cds", Assert.Throws<ArgumentException>(() => CodonTools.Run("ATGTAAAAA", input: CodonInput.Cds)).ParamName);
        Assert.Equal("avoid_sites", Assert.Throws<ArgumentException>(() => CodonTools.Run("MK", avoidSites: ["GANTC"])).ParamName);
        Assert.Equal("avoid_sites", Assert.Throws<ArgumentException>(() => CodonTools.Run("MK", avoidSites: ["GAA"])).ParamName);
        Assert.Throws<ArgumentException>(() => CodonTools.Run(new string('A', 10_001)));
    }

    /// <summary>The standard genetic code, written out here rather than borrowed from the code under test.</summary>
    private static string Translate(string dna)
    {
        const string bases = "TCAG";
        const string code = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG";
        return new string([.. Enumerable.Range(0, dna.Length / 3).Select(k =>
            code[16 * bases.IndexOf(dna[3 * k]) + 4 * bases.IndexOf(dna[3 * k + 1]) + bases.IndexOf(dna[3 * k + 2])])]);
    }
}
