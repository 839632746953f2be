using System.Text.Json;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Tools.Bio;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Tests.Tools;

/// <summary>Calls a tool the way the agent and workflows do: JSON-ish arguments in, a JSON element out.</summary>
internal static class ToolCall
{
    public static async Task<T> InvokeAsync<T>(ResearchTool tool, Dictionary<string, object?> arguments)
    {
        var result = await tool.Function.InvokeAsync(new AIFunctionArguments(arguments), TestContext.Current.CancellationToken);
        return ((JsonElement)result!).Deserialize<T>(JsonSerializerOptions.Web)!;
    }
}

/// <summary>
/// The sequence tools against known answers: Biopython's documented examples (tutorial and docstrings), NCBI's genetic
/// code tables and IUPAC's complement rules. Pure unit tests, no stack.
/// </summary>
public sealed class SequenceToolsTests
{
    // The Biopython tutorial's example coding sequence (section "Translation").
    private const string TutorialCds = "ATGGCCATTGTAATGGGCCGCTGAAAGGGTGCCCGATAG";

    private static Task<T> Call<T>(ResearchTool tool, Dictionary<string, object?> arguments) => ToolCall.InvokeAsync<T>(tool, arguments);

    private static Task<Translation> TranslateAsync(Dictionary<string, object?> arguments) => Call<Translation>(SequenceTools.TranslateTool, arguments);

    [Fact]
    public void All_lists_the_seven_tools_in_the_sequence_category_with_unique_names()
    {
        Assert.Equal(
            ["sequence_stats", "reverse_complement", "transcribe", "translate", "find_orfs", "parse_fasta", "parse_genbank"],
            SequenceTools.All.Select(t => t.Name));
        Assert.All(SequenceTools.All, t => Assert.Equal("sequence", t.Category));
        Assert.Equal(SequenceTools.All.Count, new ToolRegistry(SequenceTools.All).All.Count);
    }

    [Fact]
    public void Schemas_use_the_snake_case_parameter_names_and_lower_case_enum_values()
    {
        var translate = SequenceTools.TranslateTool.ParametersSchema;
        Assert.Equal(["sequence", "table", "to_stop", "cds"], translate.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["sequence"], translate.GetProperty("required").EnumerateArray().Select(e => e.GetString()));

        var stats = SequenceTools.StatsTool.ParametersSchema.GetProperty("properties");
        Assert.Equal(["dna", "rna", "protein"], stats.GetProperty("molecule").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.True(stats.TryGetProperty("double_stranded", out _));
        var orfs = SequenceTools.FindOrfsTool.ParametersSchema.GetProperty("properties");
        Assert.True(orfs.TryGetProperty("min_protein_length", out _));
        Assert.Equal(["atg", "table"], orfs.GetProperty("starts").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("min_protein_length", SequenceTools.FindOrfsTool.ToMarkdown(), StringComparison.Ordinal);
    }

    // --- sequence_stats ---

    [Fact]
    public async Task Molecular_weight_matches_Biopython_for_DNA_RNA_and_protein()
    {
        // Biopython's molecular_weight docstring: "AGC" weighs 949.61 as DNA, 997.61 as RNA and 249.29 as protein.
        // By hand from Bio.Data.IUPACData (dAMP 331.2218 + dGMP 347.2212 + dCMP 307.1971 - 2 x water 18.0153) = 949.6095;
        // (AMP 347.2212 + GMP 363.2206 + CMP 323.1965 - 36.0306) = 997.6077; (Ala 89.0932 + Gly 75.0666 + Cys 121.1582 - 36.0306) = 249.2874.
        var dna = await Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "AGC" });
        var rna = await Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "agc", ["molecule"] = "rna" });
        var protein = await Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "AGC", ["molecule"] = "protein" });

        Assert.Equal(949.6095, dna.MolecularWeight!.Value, 4);
        Assert.Equal(997.6077, rna.MolecularWeight!.Value, 4);
        Assert.Equal(249.2874, protein.MolecularWeight!.Value, 4);
        Assert.Equal(949.61, Math.Round(dna.MolecularWeight.Value, 2));
        Assert.Equal(3, dna.Length);
        Assert.Equal(2.0 / 3, dna.GcFraction!.Value, 5);
        Assert.Equal(new Dictionary<string, int> { ["A"] = 1, ["C"] = 1, ["G"] = 1 }, dna.Counts);
        Assert.Null(protein.GcFraction);
    }

    [Fact]
    public async Task Double_stranded_weight_adds_the_complementary_strand()
    {
        // Complement of AGC is GCT: 347.2212 + 307.1971 + 322.2085 - 2 x 18.0153 = 940.5962; plus 949.6095 = 1890.2057.
        var duplex = await Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "AGC", ["double_stranded"] = true });

        Assert.True(duplex.DoubleStranded);
        Assert.Equal(1890.2057, duplex.MolecularWeight!.Value, 4);
    }

    [Fact]
    public async Task Gc_fraction_counts_S_as_GC_and_W_as_AT_and_leaves_other_codes_out_as_Biopython_does()
    {
        // gc_fraction(..., ambiguous="remove"): G, G, S over G, G, S, W, A, T; the two Ns count in neither.
        var stats = await Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "GG SW\nNN AT" });

        Assert.Equal(8, stats.Length);
        Assert.Equal(0.5, stats.GcFraction);
        Assert.Null(stats.MolecularWeight);
        Assert.Contains("NSW", stats.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ATGXC", "dna")]
    [InlineData("AUGT", "rna")]
    [InlineData("ATGU", "dna")]
    [InlineData("   ", "dna")]
    [InlineData("MKV1", "protein")]
    public async Task Sequence_stats_rejects_letters_outside_the_alphabet_and_empty_input(string sequence, string molecule)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = sequence, ["molecule"] = molecule }));
        Assert.Equal("sequence", error.ParamName);
    }

    [Fact]
    public async Task Molecule_is_read_in_any_case_and_an_unknown_one_is_rejected_by_name()
    {
        var upper = await Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "AGC", ["molecule"] = "RNA" });
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Call<SequenceStats>(SequenceTools.StatsTool, new() { ["sequence"] = "AGC", ["molecule"] = "xna" }));
        var noProteinComplement = await Assert.ThrowsAsync<ArgumentException>(() =>
            Call<ComplementedSequence>(SequenceTools.ReverseComplementTool, new() { ["sequence"] = "AGC", ["molecule"] = "protein" }));

        Assert.Equal("RNA", upper.Molecule);
        Assert.Equal("molecule", error.ParamName);
        Assert.Equal("molecule", noProteinComplement.ParamName);
    }

    [Fact]
    public async Task Double_stranded_protein_is_rejected()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Call<SequenceStats>(SequenceTools.StatsTool,
            new() { ["sequence"] = "MKV", ["molecule"] = "protein", ["double_stranded"] = true }));
        Assert.Equal("double_stranded", error.ParamName);
    }

    // --- reverse_complement and transcribe ---

    [Fact]
    public async Task Reverse_complement_handles_every_IUPAC_code_and_keeps_case()
    {
        // IUPAC-IUB (Cornish-Bowden 1985): A-T, C-G, R-Y, K-M, B-V, D-H swap; S, W, N are their own complement.
        var result = await Call<ComplementedSequence>(SequenceTools.ReverseComplementTool,
            new() { ["sequence"] = "ACGTRYKMSWBDHVNacgt" });

        Assert.Equal("acgtNBDHVWSKMRYACGT", result.Sequence);
        Assert.Equal(19, result.Length);
        Assert.Equal("DNA", result.Molecule);
    }

    [Fact]
    public async Task Reverse_complement_of_RNA_pairs_A_with_U()
    {
        var result = await Call<ComplementedSequence>(SequenceTools.ReverseComplementTool,
            new() { ["sequence"] = "AUGGCu", ["molecule"] = "rna" });

        Assert.Equal("aGCCAU", result.Sequence);
        await Assert.ThrowsAsync<ArgumentException>(() => Call<ComplementedSequence>(SequenceTools.ReverseComplementTool,
            new() { ["sequence"] = "ATGGCT", ["molecule"] = "rna" }));
    }

    [Fact]
    public async Task Transcribe_turns_T_into_U_keeping_case()
    {
        // Biopython tutorial: coding_dna.transcribe() of ATGGCCATTGTAATGGGCCGCTGAAAGGGTGCCCGATAG.
        var result = await Call<Transcript>(SequenceTools.TranscribeTool, new() { ["sequence"] = TutorialCds });
        var mixed = await Call<Transcript>(SequenceTools.TranscribeTool, new() { ["sequence"] = "ATGgct" });

        Assert.Equal("AUGGCCAUUGUAAUGGGCCGCUGAAAGGGUGCCCGAUAG", result.Rna);
        Assert.Equal(39, result.Length);
        Assert.Equal("AUGgcu", mixed.Rna);
        await Assert.ThrowsAsync<ArgumentException>(() => Call<Transcript>(SequenceTools.TranscribeTool, new() { ["sequence"] = "AUG" }));
    }

    // --- translate ---

    [Fact]
    public async Task Translation_of_the_Biopython_tutorial_sequence_under_tables_1_2_and_11()
    {
        // Biopython tutorial: translate() gives MAIVMGR*KGAR*; table "Vertebrate Mitochondrial" gives MAIVMGRWKGAR* (TGA is W);
        // to_stop gives MAIVMGR. Table 11 differs from table 1 only in its starts, so the same codons read the same.
        var standard = await TranslateAsync(new() { ["sequence"] = TutorialCds });
        var mitochondrial = await TranslateAsync(new() { ["sequence"] = TutorialCds, ["table"] = 2 });
        var bacterial = await TranslateAsync(new() { ["sequence"] = TutorialCds, ["table"] = 11 });
        var toStop = await TranslateAsync(new() { ["sequence"] = TutorialCds, ["to_stop"] = true });
        var rna = await TranslateAsync(new() { ["sequence"] = TutorialCds.Replace('T', 'U') });

        Assert.Equal("MAIVMGR*KGAR*", standard.Protein);
        Assert.Equal("Standard", standard.TableName);
        Assert.Equal(13, standard.Codons);
        Assert.Equal("MAIVMGRWKGAR*", mitochondrial.Protein);
        Assert.Equal("Vertebrate Mitochondrial", mitochondrial.TableName);
        Assert.Equal("MAIVMGR*KGAR*", bacterial.Protein);
        Assert.Equal("MAIVMGR", toStop.Protein);
        Assert.Equal(7, toStop.Length);
        Assert.Equal(standard.Protein, rna.Protein);
    }

    [Fact]
    public async Task Vertebrate_mitochondrial_code_reads_AGA_AGG_as_stops_ATA_as_M_and_TGA_as_W()
    {
        // NCBI table 2 against table 1: ATA I->M, AGA R->*, AGG R->*, TGA *->W.
        const string codons = "ATAAGAAGGTGA";

        Assert.Equal("IRR*", (await TranslateAsync(new() { ["sequence"] = codons })).Protein);
        Assert.Equal("M**W", (await TranslateAsync(new() { ["sequence"] = codons, ["table"] = 2 })).Protein);
    }

    [Fact]
    public async Task Codons_with_ambiguity_codes_translate_when_all_readings_agree_and_to_X_otherwise()
    {
        // Table 1: CTN is always L, ATH (ATT/ATC/ATA) always I, TAR (TAA/TAG) always a stop; TTN mixes F and L.
        var result = await TranslateAsync(new() { ["sequence"] = "CTNATHTARTTN" });

        Assert.Equal("LI*X", result.Protein);
    }

    [Fact]
    public async Task A_trailing_partial_codon_is_ignored_and_reported()
    {
        var result = await TranslateAsync(new() { ["sequence"] = "ATGGCCAT" });

        Assert.Equal("MA", result.Protein);
        Assert.Equal(2, result.TrailingBasesIgnored);
    }

    [Fact]
    public async Task Cds_mode_reads_an_alternative_start_as_M_and_drops_the_final_stop()
    {
        // GTG is a start in table 11 (NCBI) and Biopython's translate(cds=True) reads it as M: GTG AAA CTG TAA -> MKL.
        var result = await TranslateAsync(new() { ["sequence"] = "GTGAAACTGTAA", ["table"] = 11, ["cds"] = true });
        // Biopython tutorial: the E. coli yaaX gene, table "Bacterial", cds=True.
        var yaaX = await TranslateAsync(new()
        {
            ["sequence"] = "GTGAAAAAGATGCAATCTATCGTACTCGCACTTTCCCTGGTTCTGGTCGCTCCCATGGCAGCACAGGCTGCGGAAATTACGTTAGTCCCGTCAGTAAAATTACAGATAGGCGATCGTGATAATCGTGGCTATTACTGGGATGGAGGTCACTGGCGCGACCACGGCTGGTGGAAACAACATTATGAATGGCGAGGCAATCGCTGGCACCTACACGGACCGCCGCCACCGCCGCGCCACCATAAGAAAGCTCCTCATGATCATCACGGTGGCGGTCATGGTCCAGGCAAACATCACCAATAA",
            ["table"] = 11,
            ["cds"] = true,
        });

        Assert.Equal("MKL", result.Protein);
        Assert.Equal("MKKMQSIVLALSLVLVAPMAAQAAEITLVPSVKLQIGDRDNRGYYWDGGHWRDHGWWKQHYEWRGNRWHLHGPPPPPRHHKKAPHDHHGGGHGPGKHHQ", yaaX.Protein);
    }

    [Theory]
    [InlineData("GTGAAACTGTAA", 1, "not a start codon")] // GTG starts genes in table 11, not in table 1
    [InlineData("ATGAAACTGTA", 1, "whole number of codons")]
    [InlineData("ATGAAACTGAAA", 1, "final codon AAA is not a stop")]
    [InlineData("ATGTAAAAATAA", 1, "codon 2 (TAA")]
    [InlineData("ATGAGAAAATAA", 2, "codon 2 (AGA")] // AGA is a stop in vertebrate mitochondria
    public async Task Cds_mode_rejects_what_is_not_a_complete_coding_sequence(string sequence, int table, string reason)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            TranslateAsync(new() { ["sequence"] = sequence, ["table"] = table, ["cds"] = true }));

        Assert.Equal("sequence", error.ParamName);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(34)]
    public async Task Unknown_genetic_codes_are_rejected(int table)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            TranslateAsync(new() { ["sequence"] = "ATG", ["table"] = table }));
        Assert.Equal("table", error.ParamName);
    }

    [Fact]
    public async Task Translate_rejects_invalid_letters_and_empty_input()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TranslateAsync(new() { ["sequence"] = "ATGXXX" }));
        await Assert.ThrowsAsync<ArgumentException>(() => TranslateAsync(new() { ["sequence"] = "" }));
    }

    [Fact]
    public void Every_NCBI_table_has_64_amino_acids_and_64_start_marks_in_TCAG_order()
    {
        int[] ids = [1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33];
        Assert.Equal(ids, GeneticCodes.ById.Keys.Order());
        foreach (var code in GeneticCodes.ById.Values)
        {
            Assert.Matches("^[ACDEFGHIKLMNPQRSTVWY*]{64}$", code.AminoAcids);
            Assert.Matches("^[M-]{64}$", code.Starts);
            Assert.Contains("ATG", code.StartCodons);
        }
        // Spot checks against NCBI's definitions: TCAG order puts TTT first and GGG last, ATG at 35.
        Assert.Equal("TTT", GeneticCodes.Codon(0));
        Assert.Equal("ATG", GeneticCodes.Codon(35));
        Assert.Equal(["TAA", "TAG", "TGA"], GeneticCodes.Get(1).StopCodons);
        Assert.Equal(["TAA", "TAG", "AGA", "AGG"], GeneticCodes.Get(2).StopCodons);
        Assert.Equal(["TTG", "CTG", "ATT", "ATC", "ATA", "ATG", "GTG"], GeneticCodes.Get(11).StartCodons);
        Assert.Equal('S', GeneticCodes.Get(12).Translate("CTG"));
        Assert.Equal('A', GeneticCodes.Get(26).Translate("CTG"));
        Assert.Equal('Q', GeneticCodes.Get(6).Translate("TAA"));
        Assert.Equal('*', GeneticCodes.Get(22).Translate("TCA"));
        Assert.Equal('Y', GeneticCodes.Get(33).Translate("TAA"));
    }

    // --- find_orfs ---

    // One ORF per strand, separated by CC spacers (no other ATG on either strand):
    //   + : ATG GCT x6 TAA at 3..26 -> MAAAAAA (7 aa, 24 nt)
    //   - : the reverse complement of ATG AAA x7 TAG at 29..55 -> MKKKKKKK (8 aa, 27 nt)
    private const string TwoStrandSequence = "CC" + "ATGGCTGCTGCTGCTGCTGCTTAA" + "CC" + "CTATTTTTTTTTTTTTTTTTTTTTCAT" + "CC";

    [Fact]
    public async Task Find_orfs_reports_one_ORF_on_each_strand_in_forward_coordinates_longest_first()
    {
        var result = await Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = TwoStrandSequence, ["min_protein_length"] = 5 });

        Assert.Equal(57, result.SequenceLength);
        Assert.Equal(2, result.Total);
        Assert.False(result.Truncated);
        Assert.Equal(new Orf("-", 3, 29, 55, 27, true, "ATG", 8, "MKKKKKKK"), result.Orfs[0]);
        Assert.Equal(new Orf("+", 3, 3, 26, 24, true, "ATG", 7, "MAAAAAA"), result.Orfs[1]);
        // The coordinates really are the input's: the + ORF's bases, and the reverse complement of the - ORF's.
        Assert.Equal("ATGGCTGCTGCTGCTGCTGCTTAA", TwoStrandSequence[2..26]);
        Assert.Equal("CTATTTTTTTTTTTTTTTTTTTTTCAT", TwoStrandSequence[28..55]);
    }

    [Fact]
    public async Task Find_orfs_applies_the_minimum_length_and_flags_ORFs_that_run_off_the_end()
    {
        var shortOnly = await Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = TwoStrandSequence, ["min_protein_length"] = 8 });
        var open = await Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "ATGAAAAAAAAAAAAAAA", ["min_protein_length"] = 3 });

        Assert.Equal("MKKKKKKK", Assert.Single(shortOnly.Orfs).Protein);
        Assert.Equal(new Orf("+", 1, 1, 18, 18, false, "ATG", 6, "MKKKKK"), Assert.Single(open.Orfs));
    }

    [Fact]
    public async Task Find_orfs_reports_only_the_longest_ORF_per_stop_codon()
    {
        // ATG AAA ATG AAA TAA: the second ATG is inside the first ORF and is not reported on its own.
        var result = await Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "ATGAAAATGAAATAA", ["min_protein_length"] = 1 });

        Assert.Equal("MKMK", Assert.Single(result.Orfs, o => o.Strand == "+").Protein);
    }

    [Fact]
    public async Task Find_orfs_with_table_starts_opens_at_alternative_start_codons()
    {
        // GTG is a table 11 start (NCBI): GTG AAA AAA TAA is MKK with starts=table and nothing with starts=atg.
        var table = await Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "GTGAAAAAATAA", ["table"] = 11, ["min_protein_length"] = 3, ["starts"] = "table" });
        var atg = await Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "GTGAAAAAATAA", ["table"] = 11, ["min_protein_length"] = 3 });

        Assert.Contains(new Orf("+", 1, 1, 12, 12, true, "GTG", 3, "MKK"), table.Orfs);
        Assert.Equal("table", table.Starts);
        Assert.Empty(atg.Orfs);
    }

    [Fact]
    public async Task Find_orfs_rejects_bad_arguments()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "ATG", ["min_protein_length"] = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "ATG", ["table"] = 19 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "ATG-AAA" }));
        var starts = await Assert.ThrowsAsync<ArgumentException>(() => Call<OrfSearch>(SequenceTools.FindOrfsTool,
            new() { ["sequence"] = "ATG", ["starts"] = "gtg" }));
        Assert.Equal("starts", starts.ParamName);
    }
}
