using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary><c>motif_search</c> on sequences small enough to check every hit by eye.</summary>
public sealed class MotifToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Overlapping_hits_are_all_found()
    {
        // ANA (N = any base) in AAAA: at 1-3 and 2-4. The reverse strand TTTT has none.
        var result = await InvokeAsync(new() { ["sequence"] = "AAAA", ["pattern"] = "ANA" });

        Assert.Equal("A[ACGT]A", result.Regex);
        Assert.Equal([new MotifHit(1, 3, "+", "AAA"), new MotifHit(2, 4, "+", "AAA")], result.Hits);
        Assert.Equal(2, result.TotalHits);
    }

    [Fact]
    public async Task A_reverse_strand_hit_is_placed_on_the_top_strand_and_read_on_its_own()
    {
        // TTGAGACCTT: GAGACC at 3-8 is GGTCTC on the reverse strand.
        var result = await InvokeAsync(new() { ["sequence"] = "TTGAGACCTT", ["pattern"] = "GGTCTC" });
        Assert.Equal([new MotifHit(3, 8, "-", "GGTCTC")], result.Hits);

        var topOnly = await InvokeAsync(new() { ["sequence"] = "TTGAGACCTT", ["pattern"] = "GGTCTC", ["both_strands"] = false });
        Assert.Empty(topOnly.Hits);
    }

    [Fact]
    public async Task A_palindromic_pattern_is_listed_once_per_site_and_ambiguity_codes_match()
    {
        // CANNTG (E-box) is its own reverse complement; CACGTG at 3-8 and CAGCTG at 11-16.
        var result = await InvokeAsync(new() { ["sequence"] = "TTCACGTGTTCAGCTGTT", ["pattern"] = "CANNTG" });
        Assert.Equal([new MotifHit(3, 8, "+", "CACGTG"), new MotifHit(11, 16, "+", "CAGCTG")], result.Hits);

        // R = A/G, Y = C/T.
        var degenerate = await InvokeAsync(new() { ["sequence"] = "GATC", ["pattern"] = "RAYC", ["both_strands"] = false });
        Assert.Equal("[AG]A[CT]C", degenerate.Regex);
        Assert.Single(degenerate.Hits);
    }

    [Fact]
    public async Task The_N_glycosylation_PROSITE_pattern_finds_NXS_and_NXT_but_not_NP()
    {
        // M1 N2 G3 S4 A5 N6 P7 T8 Q9 N10 K11 T12 A13: N-G-S-A (2-5) and N-K-T-A (10-13) match; N-P-T-Q does not ({P}).
        var result = await InvokeAsync(new() { ["sequence"] = "MNGSANPTQNKTA", ["pattern"] = "N-{P}-[ST]-{P}.", ["kind"] = "protein" });

        Assert.Equal(MotifKind.Protein, result.Kind);
        Assert.Equal("N[^P][ST][^P]", result.Regex);
        Assert.Equal([new MotifHit(2, 5, "+", "NGSA"), new MotifHit(10, 13, "+", "NKTA")], result.Hits);
    }

    [Fact]
    public async Task PROSITE_repeats_and_anchors_are_read()
    {
        // C at 2, 5 and 10 of ACAACAAAAC: C-x(2,4)-C matches CAAC (2-5) and CAAAAC (5-10).
        var repeats = await InvokeAsync(new() { ["sequence"] = "ACAACAAAAC", ["pattern"] = "C-x(2,4)-C", ["kind"] = "protein" });
        Assert.Equal("C.{2,4}C", repeats.Regex);
        Assert.Equal([new MotifHit(2, 5, "+", "CAAC"), new MotifHit(5, 10, "+", "CAAAAC")], repeats.Hits);

        // <M: only at the N-terminus.
        var anchored = await InvokeAsync(new() { ["sequence"] = "MKMK", ["pattern"] = "<M-K", ["kind"] = "protein" });
        Assert.Equal([new MotifHit(1, 2, "+", "MK")], anchored.Hits);
    }

    [Fact]
    public async Task Max_hits_truncates_the_list_but_not_the_count()
    {
        var result = await InvokeAsync(new() { ["sequence"] = new string('A', 50), ["pattern"] = "AA", ["max_hits"] = 10 });

        Assert.Equal(10, result.Hits.Count);
        // 49 overlapping AA on "+"; the reverse strand (poly-T) holds no AA.
        Assert.Equal(49, result.TotalHits);
        Assert.True(result.Truncated);
    }

    [Theory]
    [InlineData("ACGT", "GAZ", "dna", "pattern")]
    [InlineData("ACGTX", "GA", "dna", "sequence")]
    [InlineData("MKNGS", "N-{P-[ST]", "protein", "pattern")]
    [InlineData("MKNGS", "N-x(3-[ST]", "protein", "pattern")]
    [InlineData("MKNGS", "", "protein", "pattern")]
    public async Task Bad_patterns_and_sequences_are_refused_naming_the_parameter(string sequence, string pattern, string kind, string parameter)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(
            () => InvokeAsync(new() { ["sequence"] = sequence, ["pattern"] = pattern, ["kind"] = kind }));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public async Task Max_hits_out_of_range_is_refused() =>
        Assert.Equal("max_hits", (await Assert.ThrowsAnyAsync<ArgumentException>(
            () => InvokeAsync(new() { ["sequence"] = "ACGT", ["pattern"] = "A", ["max_hits"] = 0 }))).ParamName);

    [Fact]
    public void All_holds_motif_search_in_the_sequence_category()
    {
        var tool = Assert.Single(MotifTools.All);
        Assert.Equal("motif_search", tool.Name);
        Assert.Equal("sequence", tool.Category);
    }

    private static async Task<MotifSearchResult> InvokeAsync(Dictionary<string, object?> arguments)
    {
        var result = await MotifTools.Search.Function.InvokeAsync(new AIFunctionArguments(arguments), Ct);
        return ((JsonElement)result!).Deserialize<MotifSearchResult>(JsonSerializerOptions.Web)!;
    }
}
