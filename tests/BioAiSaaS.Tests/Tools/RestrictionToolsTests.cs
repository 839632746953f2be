using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary>
/// <c>restriction_map</c> on constructed sequences whose sites and cuts follow from the enzymes' published cut
/// positions (REBASE notation: EcoRI G^AATTC, BamHI G^GATCC, BsaI GGTCTC(1/5)).
/// </summary>
public sealed class RestrictionToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // AAA | GAATTC (4-9) | A×10 (10-19) | GGATCC (20-25) | A×5 (26-30): 30 bp.
    private const string TwoSites = "AAAGAATTCAAAAAAAAAAGGATCCAAAAA";

    [Fact]
    public async Task Linear_digest_cuts_after_the_first_base_of_each_site_and_fragments_sum_to_the_length()
    {
        var map = await InvokeAsync(new() { ["sequence"] = TwoSites, ["enzymes"] = Names("ecori", "BamHI", "HindIII") });

        Assert.Equal(30, map.Length);
        Assert.Equal(["EcoRI", "BamHI", "HindIII"], map.EnzymesConsidered);
        var ecoRI = Assert.Single(map.Sites, s => s.Enzyme == "EcoRI"); // palindromic: one site, not one per strand
        Assert.Equal((4, "+", 4, 8, "5'", 4), (ecoRI.Position, ecoRI.Strand, ecoRI.TopCut!.Value, ecoRI.BottomCut!.Value, ecoRI.Overhang, ecoRI.OverhangLength));
        var bamHI = Assert.Single(map.Sites, s => s.Enzyme == "BamHI");
        Assert.Equal((20, 20, 24), (bamHI.Position, bamHI.TopCut!.Value, bamHI.BottomCut!.Value));

        // Cuts after bases 4 and 20: fragments 1-4, 5-20, 21-30 = 4 + 16 + 10, longest first.
        Assert.Equal([16, 10, 4], map.Fragments.Select(f => f.Length));
        Assert.Equal(map.Length, map.Fragments.Sum(f => f.Length));
        Assert.Equal(["BamHI", "EcoRI"], map.SingleCutters);
        Assert.Equal(["HindIII"], map.NonCutters);
    }

    [Fact]
    public async Task The_same_sequence_circular_has_as_many_fragments_as_cuts()
    {
        var map = await InvokeAsync(new() { ["sequence"] = TwoSites, ["enzymes"] = Names("EcoRI", "BamHI"), ["circular"] = true });

        // Cuts after 4 and 20 on a 30 bp circle: 5-20 (16 bp) and 21-4 through the origin (14 bp).
        Assert.Equal([new RestrictionFragment(5, 20, 16), new RestrictionFragment(21, 4, 14)], map.Fragments);
        Assert.Equal(30, map.Fragments.Sum(f => f.Length));
    }

    [Fact]
    public async Task A_site_across_the_origin_is_found_only_when_the_molecule_is_circular()
    {
        // The last base G and the first five AATTC make GAATTC on the circle.
        const string plasmid = "AATTCAAAAAAAAAAG";
        var circular = await InvokeAsync(new() { ["sequence"] = plasmid, ["enzymes"] = Names("EcoRI"), ["circular"] = true });
        var linear = await InvokeAsync(new() { ["sequence"] = plasmid, ["enzymes"] = Names("EcoRI") });

        var site = Assert.Single(circular.Sites);
        Assert.Equal((16, 16), (site.Position, site.TopCut!.Value)); // G^AATTC: cut after the G, base 16, at the origin
        Assert.Equal(new RestrictionFragment(1, 16, 16), Assert.Single(circular.Fragments)); // opened, not cut in two
        Assert.Empty(linear.Sites);
        Assert.Equal(["EcoRI"], linear.NonCutters);
    }

    [Fact]
    public async Task A_Type_IIS_site_on_the_bottom_strand_cuts_upstream_of_it_on_the_top_strand()
    {
        // GAGACC at 13-18 is BsaI's GGTCTC read on the bottom strand. BsaI cuts its own strand 1 nt and the other
        // strand 5 nt beyond the site; going leftwards on the top strand from base 13 that is after base 11 (bottom)
        // and after base 7 (top), leaving the 4-nt 5' overhang of bases 8-11.
        var seq = new string('A', 12) + "GAGACC" + new string('A', 10);
        var map = await InvokeAsync(new() { ["sequence"] = seq, ["enzymes"] = Names("BsaI") });

        var site = Assert.Single(map.Sites);
        Assert.Equal(("-", 13, 7, 11, "5'", 4), (site.Strand, site.Position, site.TopCut!.Value, site.BottomCut!.Value, site.Overhang, site.OverhangLength));
        Assert.Equal([21, 7], map.Fragments.Select(f => f.Length));

        // The same site on the top strand cuts after 18 + 1 = 19 (top) and 18 + 5 = 23 (bottom).
        var top = Assert.Single((await InvokeAsync(new() { ["sequence"] = new string('A', 12) + "GGTCTC" + new string('A', 10), ["enzymes"] = Names("BsaI") })).Sites);
        Assert.Equal(("+", 13, 19, 23), (top.Strand, top.Position, top.TopCut!.Value, top.BottomCut!.Value));
    }

    [Fact]
    public async Task Blunt_3_prime_and_degenerate_sites_are_read()
    {
        // GTCGAC is SalI (G^TCGAC) and HincII (GTY^RAC, Y = C, R = G); CTGCAG is PstI (CTGCA^G, 3' overhang TGCA).
        var map = await InvokeAsync(new() { ["sequence"] = "TTGTCGACTTCTGCAGTT", ["enzymes"] = Names("SalI", "HincII", "PstI", "SmaI") });

        var hincII = Assert.Single(map.Sites, s => s.Enzyme == "HincII");
        Assert.Equal((3, 5, "blunt", 0), (hincII.Position, hincII.TopCut!.Value, hincII.Overhang, hincII.OverhangLength));
        var pstI = Assert.Single(map.Sites, s => s.Enzyme == "PstI");
        Assert.Equal((11, 15, 11, "3'", 4), (pstI.Position, pstI.TopCut!.Value, pstI.BottomCut!.Value, pstI.Overhang, pstI.OverhangLength));
        Assert.Equal(["SmaI"], map.NonCutters);
    }

    [Fact]
    public async Task Without_an_enzyme_list_every_built_in_enzyme_is_considered()
    {
        var map = await InvokeAsync(new() { ["sequence"] = TwoSites });

        Assert.Equal(RestrictionTools.Enzymes.Count, map.EnzymesConsidered.Count);
        Assert.True(RestrictionTools.Enzymes.Count >= 30);
        // GGATCC holds GATC: Sau3AI and MboI (^GATC) cut there too, after base 20.
        Assert.Contains(map.Sites, s => s.Enzyme == "Sau3AI" && s.TopCut == 20);
        Assert.Equal(map.EnzymesConsidered.Count, map.SingleCutters.Count + map.NonCutters.Count);
    }

    [Fact]
    public async Task An_unknown_enzyme_is_refused_with_close_names()
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(
            () => InvokeAsync(new() { ["sequence"] = TwoSites, ["enzymes"] = Names("EcoR1") }));

        Assert.Equal("enzymes", error.ParamName);
        Assert.Contains("EcoRI", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sequence_with_other_letters_is_refused()
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => InvokeAsync(new() { ["sequence"] = "GAATTCXX" }));
        Assert.Equal("sequence", error.ParamName);
    }

    [Fact]
    public void All_holds_restriction_map_in_the_cloning_category()
    {
        var tool = Assert.Single(RestrictionTools.All);
        Assert.Equal("restriction_map", tool.Name);
        Assert.Equal("cloning", tool.Category);
    }

    private static string[] Names(params string[] names) => names;

    private static async Task<RestrictionMap> InvokeAsync(Dictionary<string, object?> arguments)
    {
        var result = await RestrictionTools.Map.Function.InvokeAsync(new AIFunctionArguments(arguments), Ct);
        return ((JsonElement)result!).Deserialize<RestrictionMap>(JsonSerializerOptions.Web)!;
    }
}
