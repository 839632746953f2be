using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary>find_crispr_guides on sequences built so that every PAM, coordinate and cut site can be checked by hand.</summary>
public sealed class CrisprToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Fillers of AT repeats have no GG and no CC, so the only PAMs are the ones placed on purpose.
    private const string Filler = "ATATATATAT";
    private const string PlusSpacer = "GACTGACTGACTGACTGACT";       // forward 11–30, then TGG at 31–33
    private const string MinusProtospacer = "ATCAGTCAGTCAGTCAGTCA"; // forward 47–66, after CCA at 44–46
    private const string TwoGuides = Filler + PlusSpacer + "TGG" + Filler + "CCA" + MinusProtospacer + Filler;

    [Fact]
    public void A_guide_on_each_strand_has_the_hand_computed_coordinates_and_cut_sites()
    {
        var search = CrisprTools.Find(TwoGuides);

        Assert.Equal(76, search.SequenceLength);
        Assert.Equal(2, search.CandidatesFound);
        var plus = Assert.Single(search.Guides, g => g.Strand == "+");
        // Protospacer 11–30, PAM TGG 31–33; the cut is 3 bp 5' of the PAM, between 27 and 28.
        Assert.Equal((PlusSpacer, 11, 30, "TGG", 27), (plus.Guide, plus.Start, plus.End, plus.Pam, plus.CutSite));
        Assert.Equal(50.0, plus.GcPercent);
        Assert.Empty(plus.Flags);
        Assert.Equal(0, plus.OffTargetHits);
        Assert.Equal(90, plus.Score); // ends in T: no G bonus, no penalty

        var minus = Assert.Single(search.Guides, g => g.Strand == "-");
        // CCA at 44–46 is TGG on the reverse strand; the guide is the reverse complement of forward 47–66, and its three
        // PAM-proximal bases are forward 47, 48, 49, so the cut is between 49 and 50.
        Assert.Equal(("TGACTGACTGACTGACTGAT", 47, 66, "TGG", 49), (minus.Guide, minus.Start, minus.End, minus.Pam, minus.CutSite));
        Assert.Equal(45.0, minus.GcPercent); // 5 C + 4 G of 20
        Assert.Equal(0, minus.OffTargetHits);

        // Equal scores: the lower start comes first.
        Assert.Equal(["+", "-"], search.Guides.Select(g => g.Strand));
    }

    [Fact]
    public void Poly_T_low_GC_and_homopolymers_are_flagged_and_penalised()
    {
        // GACTTTTCAGACTGACTGAC + AGG: TTTT (−40), GC 9/20 = 45 %, ends in C: 90 − 40 = 50.
        var polyT = Assert.Single(CrisprTools.Find(Filler + "GACTTTTCAGACTGACTGAC" + "AGG" + Filler).Guides);
        Assert.Equal(["poly_t"], polyT.Flags);
        Assert.Equal(50, polyT.Score);

        // AAAAATATATATATATATAG + TGG: GC 1/20 = 5 % (−25), AAAAA (−15), G next to the PAM (+10): 90 + 10 − 25 − 15 = 60.
        var atRich = Assert.Single(CrisprTools.Find(Filler + "AAAAATATATATATATATAG" + "TGG" + Filler).Guides);
        Assert.Equal(["gc_low", "homopolymer"], atRich.Flags);
        Assert.Equal(5.0, atRich.GcPercent);
        Assert.Equal(60, atRich.Score);
    }

    [Fact]
    public void No_PAM_means_no_guides()
    {
        var none = CrisprTools.Find(Filler + Filler + Filler + Filler);
        Assert.Empty(none.Guides);
        Assert.Equal(0, none.CandidatesFound);

        // A PAM with fewer than 20 bases before it (and no CCN with 20 after it) gives no guide either.
        Assert.Empty(CrisprTools.Find("ATATATATATAGG").Guides);
    }

    [Fact]
    public void A_repeated_protospacer_counts_as_an_off_target_hit_and_max_guides_truncates()
    {
        // The same 20 nt twice (PAMs TGG and AGG): each copy's seed matches the other's exactly: one hit, −10.
        var repeated = Filler + PlusSpacer + "TGG" + Filler + PlusSpacer + "AGG" + Filler;

        var search = CrisprTools.Find(repeated);
        Assert.Equal(2, search.Guides.Count);
        Assert.All(search.Guides, g => Assert.Equal(1, g.OffTargetHits));
        Assert.All(search.Guides, g => Assert.Equal(80, g.Score));

        var best = CrisprTools.Find(repeated, maxGuides: 1);
        Assert.Equal(2, best.CandidatesFound);
        Assert.Equal(11, Assert.Single(best.Guides).Start);
    }

    [Fact]
    public void Another_PAM_and_guide_length_are_honoured()
    {
        // SaCas9: NNGRRT after a 21-nt protospacer; TTGAAT is the only NNGRRT on either strand here.
        var search = CrisprTools.Find(Filler + "GACTGACTGACTGACTGACTG" + "TTGAAT" + Filler, "NNGRRT", 21);

        var guide = Assert.Single(search.Guides);
        Assert.Equal(("GACTGACTGACTGACTGACTG", "+", 11, 31, "TTGAAT", 28), (guide.Guide, guide.Strand, guide.Start, guide.End, guide.Pam, guide.CutSite));
    }

    [Fact]
    public void A_long_GC_rich_sequence_gives_ranked_guides_whose_coordinates_match_the_sequence()
    {
        // 20,000 nt (the limit), two thirds G or C, so PAMs are everywhere: the ranking and every coordinate are checked
        // against the sequence itself.
        var random = new Random(5);
        var sequence = new string([.. Enumerable.Range(0, 20_000).Select(_ => "GGCCAT"[random.Next(6)])]);

        var search = CrisprTools.Find(sequence, maxGuides: 200);

        Assert.Equal(200, search.Guides.Count);
        Assert.True(search.CandidatesFound > 2_000);
        Assert.Equal(search.Guides.OrderByDescending(g => g.Score).Select(g => g.Score), search.Guides.Select(g => g.Score));
        foreach (var guide in search.Guides)
        {
            var protospacer = sequence[(guide.Start - 1)..guide.End];
            Assert.Equal(guide.Strand == "+" ? guide.Guide : ReverseComplement(guide.Guide), protospacer);
            var pam = guide.Strand == "+" ? sequence.Substring(guide.End, 3) : ReverseComplement(sequence.Substring(guide.Start - 4, 3));
            Assert.Equal(guide.Pam, pam);
            Assert.EndsWith("GG", pam, StringComparison.Ordinal);
            Assert.Equal(guide.Strand == "+" ? guide.End - 3 : guide.Start + 2, guide.CutSite);
        }
    }

    private static string ReverseComplement(string dna) =>
        new([.. dna.Reverse().Select(c => c switch { 'A' => 'T', 'T' => 'A', 'C' => 'G', _ => 'C' })]);

    [Fact]
    public async Task The_tool_binds_snake_case_arguments_and_returns_the_typed_result()
    {
        var result = await CrisprTools.FindGuides.Function.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?>
        {
            ["sequence"] = TwoGuides.ToLowerInvariant(),
            ["pam"] = "NGG",
            ["guide_length"] = 20,
            ["max_guides"] = 5,
        }), Ct);

        var search = ((JsonElement)result!).Deserialize<CrisprGuideSearch>(JsonSerializerOptions.Web)!;
        Assert.Equal("NGG", search.Pam);
        Assert.Equal([(11, 27, "+"), (47, 49, "-")], search.Guides.Select(g => (g.Start, g.CutSite, g.Strand)));
        Assert.Equal("crispr", CrisprTools.FindGuides.Category);
        Assert.Equal("find_crispr_guides", Assert.Single(CrisprTools.All).Name);
    }

    [Fact]
    public void Bad_input_is_rejected_naming_the_parameter()
    {
        Assert.Equal("sequence", Assert.Throws<ArgumentException>(() => CrisprTools.Find("ACGTX")).ParamName);
        Assert.Equal("sequence", Assert.Throws<ArgumentException>(() => CrisprTools.Find("  ")).ParamName);
        Assert.Equal("sequence", Assert.Throws<ArgumentException>(() => CrisprTools.Find(new string('A', 20_001))).ParamName);
        Assert.Equal("pam", Assert.Throws<ArgumentException>(() => CrisprTools.Find(TwoGuides, "NGZ")).ParamName);
        Assert.Equal("guide_length", Assert.Throws<ArgumentOutOfRangeException>(() => CrisprTools.Find(TwoGuides, guideLength: 10)).ParamName);
        Assert.Equal("max_guides", Assert.Throws<ArgumentOutOfRangeException>(() => CrisprTools.Find(TwoGuides, maxGuides: 0)).ParamName);
    }
}
