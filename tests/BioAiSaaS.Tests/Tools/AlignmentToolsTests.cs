using System.Text.Json;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary>
/// align_global and align_local against answers worked out by hand, and against a naive affine-gap dynamic programme
/// written here independently (explicit gap lengths, O(n·m·(n+m))), on random pairs.
/// </summary>
public sealed class AlignmentToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Global_DNA_with_one_deleted_base_scores_seven_matches_minus_one_gap_opening()
    {
        // By hand: b is a with its 4th base (T) deleted. At most 7 columns can match (b has 7 bases) and the length
        // difference forces at least one gap position, costing at least gap_open = 10: 7·5 − 10 = 25 is an upper bound,
        // and ACGTACGT / ACG-ACGT reaches it.
        var result = AlignmentTools.Align("ACGTACGT", "ACGACGT", local: false, AlignmentMolecule.Dna);

        Assert.Equal(25, result.Score);
        Assert.Equal(7, result.Identities);
        Assert.Equal(1, result.Gaps);
        Assert.Equal(8, result.Length);
        Assert.Equal(87.5, result.IdentityPercent);
        Assert.Equal(12.5, result.GapPercent);
        Assert.Equal("ACGTACGT", result.AlignedA.Replace("-", "", StringComparison.Ordinal));
        Assert.Equal("ACGACGT", result.AlignedB.Replace("-", "", StringComparison.Ordinal));
        Assert.Equal((1, 8, 1, 7), (result.StartA, result.EndA, result.StartB, result.EndB));
        Assert.Equal(result.Score, Rescore(result.AlignedA, result.AlignedB, AlignmentMolecule.Dna, 10, 0.5));
    }

    [Fact]
    public void Global_DNA_prefers_one_long_gap_to_several_short_ones()
    {
        // By hand: 9 against 6 bases needs ≥ 3 gap positions, cheapest as one run: 10 + 2·0.5 = 11; at most 6 matches:
        // 6·5 − 11 = 19 is an upper bound, reached only by deleting GGG in one gap.
        var result = AlignmentTools.Align("AAAGGGTTT", "AAATTT", local: false, AlignmentMolecule.Dna);

        Assert.Equal(19, result.Score);
        Assert.Equal("AAAGGGTTT", result.AlignedA);
        Assert.Equal("AAA---TTT", result.AlignedB);
        Assert.Equal("|||   |||", result.Matches);
    }

    [Fact]
    public void Durbin_example_HEAGAWGHEE_PAWHEAE_is_optimal_under_BLOSUM62_and_EMBOSS_gaps()
    {
        // Durbin et al., Biological Sequence Analysis (1998), ch. 2 — there scored with BLOSUM50 and linear gaps; here
        // BLOSUM62 with open 10 / extend 0.5. The expected optimum comes from the naive reference below, and the
        // returned alignment must itself score what the tool reports.
        foreach (var local in new[] { false, true })
        {
            var result = AlignmentTools.Align("HEAGAWGHEE", "PAWHEAE", local, AlignmentMolecule.Protein, 10, 0.5);

            Assert.Equal(NaiveOptimum("HEAGAWGHEE", "PAWHEAE", AlignmentMolecule.Protein, 10, 0.5, local), result.Score);
            Assert.Equal(result.Score, Rescore(result.AlignedA, result.AlignedB, AlignmentMolecule.Protein, 10, 0.5));
            Assert.Equal("HEAGAWGHEE"[(result.StartA - 1)..result.EndA], result.AlignedA.Replace("-", "", StringComparison.Ordinal));
            Assert.Equal("PAWHEAE"[(result.StartB - 1)..result.EndB], result.AlignedB.Replace("-", "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Durbin_local_alignment_is_AWGHE_against_AW_HE()
    {
        // By hand with BLOSUM62: A/A 4 + W/W 11 − gap 10 + H/H 8 + E/E 5 = 18, Durbin's local answer (AWGHE / AW-HE).
        // The ungapped alternatives score less: AW/AW = 15, HE/HE = 13, HEA/HEA = 17, HEAGAW/... no better.
        var result = AlignmentTools.Align("HEAGAWGHEE", "PAWHEAE", local: true, AlignmentMolecule.Protein, 10, 0.5);

        Assert.Equal(18, result.Score);
        Assert.Equal("AWGHE", result.AlignedA);
        Assert.Equal("AW-HE", result.AlignedB);
        Assert.Equal("|| ||", result.Matches);
        Assert.Equal((5, 9, 2, 5), (result.StartA, result.EndA, result.StartB, result.EndB));
    }

    [Fact]
    public void Gotoh_equals_the_naive_affine_programme_on_fifty_random_pairs()
    {
        var random = new Random(20261126);
        for (var pair = 0; pair < 50; pair++)
        {
            var molecule = pair % 2 == 0 ? AlignmentMolecule.Protein : AlignmentMolecule.Dna;
            var alphabet = molecule == AlignmentMolecule.Protein ? "ACDEFGHIKLMNPQRSTVWY" : "ACGT";
            var a = RandomSequence(random, alphabet);
            var b = RandomSequence(random, alphabet);
            // Vary the gap costs too, including extend > open, where the three-state model must still be exact.
            var (open, extend) = (pair % 5) switch { 0 => (10.0, 0.5), 1 => (5.0, 2.0), 2 => (3.0, 3.0), 3 => (1.0, 4.0), _ => (12.0, 1.0) };

            foreach (var local in new[] { false, true })
            {
                var result = AlignmentTools.Align(a, b, local, molecule, open, extend);
                var because = $"{(local ? "local" : "global")} {a} / {b}, open {open}, extend {extend}";
                Assert.True(NaiveOptimum(a, b, molecule, open, extend, local) == result.Score, because);
                Assert.True(Rescore(result.AlignedA, result.AlignedB, molecule, open, extend) == result.Score, because);
            }
        }
    }

    [Fact]
    public void Local_alignment_finds_an_exact_match_embedded_in_unrelated_flanks()
    {
        // By hand: the 14-base core matches exactly (14·5 = 70); extending into the flanks (T against C) costs −4 per
        // column, so the core alone is optimal. It starts at base 9 of a and base 5 of b.
        const string core = "GATTACAGATTACA";
        var result = AlignmentTools.Align("TTTTTTTT" + core + "TTTTTTT", "CCCC" + core + "CCCC", local: true, AlignmentMolecule.Dna);

        Assert.Equal(70, result.Score);
        Assert.Equal(core, result.AlignedA);
        Assert.Equal(core, result.AlignedB);
        Assert.Equal((9, 22, 5, 18), (result.StartA, result.EndA, result.StartB, result.EndB));
        Assert.Equal(100, result.IdentityPercent);

        // A protein embedded in glycines: the BLOSUM62 diagonal of MKTAYIAKQR is 5+5+5+4+7+4+4+5+5+5 = 49, and no letter
        // scores more against a standard amino acid than itself, so 49 is the optimum.
        var protein = AlignmentTools.Align("GGGGGMKTAYIAKQRGGGGG", "MKTAYIAKQR", local: true);
        Assert.Equal(49, protein.Score);
        Assert.Equal((6, 15, 1, 10), (protein.StartA, protein.EndA, protein.StartB, protein.EndB));
    }

    [Fact]
    public void Local_alignment_of_sequences_with_nothing_in_common_is_empty()
    {
        var result = AlignmentTools.Align("AAAA", "CCCC", local: true, AlignmentMolecule.Dna);

        Assert.Equal(0, result.Score);
        Assert.Equal("", result.AlignedA);
        Assert.Equal(0, result.Length);
        Assert.Equal(0, result.StartA);
    }

    [Fact]
    public void Similar_residues_are_marked_and_counted()
    {
        // BLOSUM62: I/V = 3 (similar), W/A = −3 (not), K/K identical.
        var result = AlignmentTools.Align("KIW", "KVA", local: false);

        Assert.Equal("|: ", result.Matches);
        Assert.Equal(1, result.Identities);
        Assert.Equal(2, result.Similarities);
        Assert.Equal(5 + 3 - 3, result.Score);
    }

    [Fact]
    public void BLOSUM62_is_symmetric_and_has_the_published_values()
    {
        foreach (var x in SubstitutionMatrices.Blosum62Alphabet)
        {
            foreach (var y in SubstitutionMatrices.Blosum62Alphabet)
            {
                Assert.Equal(SubstitutionMatrices.Blosum62(x, y), SubstitutionMatrices.Blosum62(y, x));
            }
        }
        // Spot values from NCBI's BLOSUM62 file.
        Assert.Equal(11, SubstitutionMatrices.Blosum62('W', 'W'));
        Assert.Equal(9, SubstitutionMatrices.Blosum62('C', 'C'));
        Assert.Equal(4, SubstitutionMatrices.Blosum62('A', 'A'));
        Assert.Equal(-4, SubstitutionMatrices.Blosum62('W', 'N'));
        Assert.Equal(3, SubstitutionMatrices.Blosum62('Y', 'F'));
        Assert.Equal(4, SubstitutionMatrices.Blosum62('B', 'D'));
        Assert.Equal(4, SubstitutionMatrices.Blosum62('Z', 'E'));
        Assert.Equal(-1, SubstitutionMatrices.Blosum62('X', 'X'));
        Assert.Equal(1, SubstitutionMatrices.Blosum62('*', '*'));
        Assert.Equal(-4, SubstitutionMatrices.Blosum62('*', 'A'));
        Assert.Equal(24, SubstitutionMatrices.Blosum62Alphabet.Length);
    }

    [Fact]
    public async Task The_tools_bind_snake_case_arguments_and_return_the_typed_result()
    {
        var arguments = new AIFunctionArguments(new Dictionary<string, object?>
        {
            ["a"] = "HEAGAWGHEE",
            ["b"] = "PAWHEAE",
            ["molecule"] = "protein",
            ["gap_open"] = 10.0,
            ["gap_extend"] = 0.5,
        });

        var local = await AlignmentTools.Local.Function.InvokeAsync(arguments, Ct);
        var global = await AlignmentTools.Global.Function.InvokeAsync(
            new AIFunctionArguments(new Dictionary<string, object?> { ["a"] = "ACGTACGT", ["b"] = "acgacgt", ["molecule"] = "dna" }), Ct);

        Assert.Equal(AlignmentTools.Align("HEAGAWGHEE", "PAWHEAE", local: true),
            ((JsonElement)local!).Deserialize<PairwiseAlignment>(JsonSerializerOptions.Web));
        var dna = ((JsonElement)global!).Deserialize<PairwiseAlignment>(JsonSerializerOptions.Web)!;
        Assert.Equal(25, dna.Score);
        Assert.Equal("global", dna.Mode);
        Assert.Equal("dna", dna.Molecule);
        Assert.Equal(["align_global", "align_local"], AlignmentTools.All.Select(t => t.Name));
        Assert.All(AlignmentTools.All, t => Assert.Equal("alignment", t.Category));
        var properties = AlignmentTools.Global.ParametersSchema.GetProperty("properties");
        Assert.True(properties.TryGetProperty("gap_open", out _));
        Assert.True(properties.TryGetProperty("gap_extend", out _));
        Assert.Contains("dna", properties.GetProperty("molecule").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_largest_allowed_alignment_completes()
    {
        // 2,000 × 2,000 = 4,000,000 cells, the limit. Identical sequences align on the diagonal: score = Σ BLOSUM62(x, x).
        var random = new Random(7);
        var sequence = RandomSequence(random, "ACDEFGHIKLMNPQRSTVWY", 2_000);

        var result = AlignmentTools.Align(sequence, sequence, local: false);

        Assert.Equal(sequence.Sum(x => SubstitutionMatrices.Blosum62(x, x)), result.Score);
        Assert.Equal(100, result.IdentityPercent);
    }

    [Fact]
    public void Bad_input_is_rejected_naming_the_parameter()
    {
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => AlignmentTools.Align(" ", "ACGT", local: false)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => AlignmentTools.Align("HEAG", "HEJG", local: false)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => AlignmentTools.Align("ACGX", "ACGT", local: false, AlignmentMolecule.Dna)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => AlignmentTools.Align(new string('A', 5_001), "A", local: false)).ParamName);
        // 4,000 × 1,001 = 4,004,000 cells: each length is allowed, the product is not.
        Assert.Throws<ArgumentException>(() => AlignmentTools.Align(new string('A', 4_000), new string('A', 1_001), local: true));
        Assert.Equal("gap_open", Assert.Throws<ArgumentOutOfRangeException>(() => AlignmentTools.Align("A", "A", false, gapOpen: -1)).ParamName);
        Assert.Equal("gap_extend", Assert.Throws<ArgumentOutOfRangeException>(() => AlignmentTools.Align("A", "A", false, gapExtend: double.NaN)).ParamName);
    }

    private static string RandomSequence(Random random, string alphabet, int? length = null) =>
        new([.. Enumerable.Range(0, length ?? random.Next(1, 13)).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    private static double Substitution(char x, char y, AlignmentMolecule molecule) => molecule == AlignmentMolecule.Dna
        ? (x == 'N' || y == 'N' ? -2 : x == y ? 5 : -4)
        : SubstitutionMatrices.Blosum62(x, y);

    /// <summary>The score of a given alignment: substitutions plus open + (L−1)·extend for each maximal gap run per row.</summary>
    private static double Rescore(string alignedA, string alignedB, AlignmentMolecule molecule, double open, double extend)
    {
        Assert.Equal(alignedA.Length, alignedB.Length);
        double score = 0;
        for (var k = 0; k < alignedA.Length; k++)
        {
            if (alignedA[k] == '-' || alignedB[k] == '-')
            {
                Assert.False(alignedA[k] == '-' && alignedB[k] == '-', "a column of two gaps");
                var row = alignedA[k] == '-' ? alignedA : alignedB;
                var continues = k > 0 && row[k - 1] == '-';
                score -= continues ? extend : open;
            }
            else
            {
                score += Substitution(alignedA[k], alignedB[k], molecule);
            }
        }
        return score;
    }

    /// <summary>
    /// The optimum by explicit gap lengths: D ends in a residue pair, E in a gap run in b of length k ≥ 1 (entered from D or
    /// F, never from E, so runs are maximal), F likewise in a. Cubic, and written without Gotoh's recurrences on purpose.
    /// </summary>
    private static double NaiveOptimum(string a, string b, AlignmentMolecule molecule, double open, double extend, bool local)
    {
        int n = a.Length, m = b.Length;
        var ninf = double.NegativeInfinity;
        double[,] d = new double[n + 1, m + 1], e = new double[n + 1, m + 1], f = new double[n + 1, m + 1];
        double Gap(int length) => open + (length - 1) * extend;
        double best = 0;
        for (var i = 0; i <= n; i++)
        {
            for (var j = 0; j <= m; j++)
            {
                if (i == 0 && j == 0)
                {
                    (d[0, 0], e[0, 0], f[0, 0]) = (local ? ninf : 0, ninf, ninf);
                    continue;
                }
                d[i, j] = ninf;
                if (i > 0 && j > 0)
                {
                    var before = Math.Max(d[i - 1, j - 1], Math.Max(e[i - 1, j - 1], f[i - 1, j - 1]));
                    d[i, j] = (local ? Math.Max(0, before) : before) + Substitution(a[i - 1], b[j - 1], molecule);
                }
                e[i, j] = ninf;
                for (var k = 1; k <= i; k++)
                {
                    e[i, j] = Math.Max(e[i, j], Math.Max(d[i - k, j], f[i - k, j]) - Gap(k));
                }
                f[i, j] = ninf;
                for (var k = 1; k <= j; k++)
                {
                    f[i, j] = Math.Max(f[i, j], Math.Max(d[i, j - k], e[i, j - k]) - Gap(k));
                }
                best = Math.Max(best, d[i, j]);
            }
        }
        return local ? best : Math.Max(d[n, m], Math.Max(e[n, m], f[n, m]));
    }
}
