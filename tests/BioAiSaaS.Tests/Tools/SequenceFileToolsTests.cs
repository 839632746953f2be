using BioAiSaaS.Core.Tools;
using BioAiSaaS.Core.Tools.Bio;

namespace BioAiSaaS.Tests.Tools;

/// <summary>
/// <c>parse_fasta</c> and <c>parse_genbank</c> on small inline files whose expected values are counted from the text
/// itself (lengths, GC) or read off it (identifiers, qualifiers). Pure unit tests, no stack.
/// </summary>
public sealed class SequenceFileToolsTests
{
    private static Task<FastaSummary> FastaAsync(string text) =>
        ToolCall.InvokeAsync<FastaSummary>(SequenceFileTools.ParseFastaTool, new() { ["text"] = text });

    private static Task<GenBankSummary> GenBankAsync(string text) =>
        ToolCall.InvokeAsync<GenBankSummary>(SequenceFileTools.ParseGenBankTool, new() { ["text"] = text });

    [Fact]
    public async Task Fasta_with_two_records_gives_ids_descriptions_lengths_types_and_GC()
    {
        const string text = """

            >seq1 Homo sapiens test fragment, wrapped
            ATGCGC
            GCAT
            >sp|P00001|TEST_HUMAN
            MKVLAAGIVGLLLAQ
            """;

        var result = await FastaAsync(text);

        Assert.Equal(2, result.Count);
        Assert.False(result.Truncated);
        // ATGCGCGCAT: 10 bases, 3 G + 3 C.
        Assert.Equal(new FastaRecord("seq1", "Homo sapiens test fragment, wrapped", 10, "dna", 0.6, "ATGCGCGCAT"), result.Records[0]);
        Assert.Equal(new FastaRecord("sp|P00001|TEST_HUMAN", "", 15, "protein", null, "MKVLAAGIVGLLLAQ"), result.Records[1]);
    }

    [Fact]
    public async Task Fasta_guesses_RNA_and_previews_only_the_first_60_letters()
    {
        var rna = string.Concat(Enumerable.Repeat("AUGC", 30));

        var record = Assert.Single((await FastaAsync(">r1\n" + rna + "\n")).Records);

        Assert.Equal("rna", record.Type);
        Assert.Equal(120, record.Length);
        Assert.Equal(rna[..60], record.Preview);
        Assert.Equal(0.5, record.GcFraction);
    }

    [Theory]
    [InlineData("")]
    [InlineData("just some prose, not a sequence file")]
    [InlineData("ATGCGT\n>late header\nATG")]
    [InlineData(">ok\nATG1GC")]
    [InlineData("> \nATG")]
    public async Task Text_that_is_not_FASTA_is_rejected(string text)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => FastaAsync(text));
        Assert.Equal("text", error.ParamName);
    }

    [Fact]
    public async Task GenBank_text_given_to_the_FASTA_reader_is_pointed_to_parse_genbank()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => FastaAsync(Record));
        Assert.Contains("parse_genbank", error.Message, StringComparison.Ordinal);
    }

    // A synthetic record in GenBank's column layout (keywords in column 1, values from 13; feature keys in column 6,
    // locations and qualifiers from 22), with a wrapped definition, a wrapped qualifier value and a wrapped location.
    private const string Record = """
        LOCUS       SYN000001                 60 bp    DNA     linear   SYN 26-NOV-2026
        DEFINITION  Synthetic construct test gene tgeA, complete cds, for parser
                    tests.
        ACCESSION   SYN000001
        VERSION     SYN000001.1
        KEYWORDS    .
        SOURCE      synthetic construct
          ORGANISM  synthetic construct
                    other sequences; artificial sequences.
        REFERENCE   1  (bases 1 to 60)
          AUTHORS   Tester,A.
          TITLE     Direct Submission
          JOURNAL   Unpublished
        FEATURES             Location/Qualifiers
             source          1..60
                             /organism="synthetic construct"
                             /mol_type="other DNA"
                             /db_xref="taxon:32630"
             gene            4..33
                             /gene="tgeA"
                             /locus_tag="SYN_0001"
             CDS             4..33
                             /gene="tgeA"
                             /locus_tag="SYN_0001"
                             /codon_start=1
                             /transl_table=11
                             /product="test protein A with a long product name that
                             wraps onto a second line"
                             /translation="MKKLAGAVL"
             misc_feature    complement(join(40..45,
                             50..55))
                             /note="a ""quoted"" word"
                             /pseudo
        ORIGIN
                1 ccgatgaaaa aactggccgg cgcggtgctg taatttttcc cgggaaaccc ggggttttaa
        //
        """;

    [Fact]
    public async Task GenBank_record_gives_its_header_fields_features_and_a_sequence_summary()
    {
        var record = Assert.Single((await GenBankAsync(Record)).Records);

        Assert.Equal("SYN000001", record.Locus);
        Assert.Equal("SYN000001", record.Accession);
        Assert.Equal("SYN000001.1", record.Version);
        Assert.Equal("Synthetic construct test gene tgeA, complete cds, for parser tests.", record.Definition);
        Assert.Equal("synthetic construct", record.Organism);
        Assert.Equal("DNA", record.MoleculeType);
        Assert.Equal("linear", record.Topology);
        Assert.Equal("SYN", record.Division);
        Assert.Equal("26-NOV-2026", record.Date);
        Assert.Equal(60, record.Length);
        Assert.Equal(60, record.SequenceLength);
        // The ORIGIN line has 32 g or c among its 60 bases.
        Assert.Equal(Math.Round(32.0 / 60, 6), record.GcFraction);
        Assert.Equal("ccgatgaaaaaactggccggcgcggtgctgtaatttttcccgggaaacccggggttttaa", record.SequencePreview);

        Assert.Equal(4, record.FeatureCount);
        Assert.Equal(["source", "gene", "CDS", "misc_feature"], record.Features.Select(f => f.Type));
        var cds = record.Features[2];
        Assert.Equal("4..33", cds.Location);
        Assert.Equal("tgeA", cds.Qualifiers["gene"]);
        Assert.Equal("SYN_0001", cds.Qualifiers["locus_tag"]);
        Assert.Equal("11", cds.Qualifiers["transl_table"]);
        Assert.Equal("test protein A with a long product name that wraps onto a second line", cds.Qualifiers["product"]);
        Assert.Equal("MKKLAGAVL", cds.Qualifiers["translation"]);
        var misc = record.Features[3];
        Assert.Equal("complement(join(40..45,50..55))", misc.Location);
        Assert.Equal("a \"quoted\" word", misc.Qualifiers["note"]);
        Assert.Equal("", misc.Qualifiers["pseudo"]);
        Assert.Equal("taxon:32630", record.Features[0].Qualifiers["db_xref"]);
    }

    [Fact]
    public async Task The_CDS_of_the_GenBank_record_translates_to_its_translation_qualifier()
    {
        // Bases 4..33 of the record, translated as the /transl_table=11 CDS it declares.
        var cds = "ccgatgaaaaaactggccggcgcggtgctgtaatttttcccgggaaacccggggttttaa"[3..33];

        var translation = await ToolCall.InvokeAsync<Translation>(SequenceTools.TranslateTool,
            new() { ["sequence"] = cds, ["table"] = 11, ["cds"] = true });

        Assert.Equal("MKKLAGAVL", translation.Protein);
    }

    [Fact]
    public async Task GenBank_with_two_records_reads_both_and_caps_features_per_record()
    {
        var features = string.Concat(Enumerable.Range(1, 250).Select(i => $"     misc_feature    {i}..{i}\n                     /note=\"n{i}\"\n"));
        var second = "LOCUS       BIG                      300 bp    DNA     circular BCT 01-JAN-2026\n"
            + "FEATURES             Location/Qualifiers\n" + features
            + "ORIGIN\n        1 " + string.Concat(Enumerable.Repeat("acgt", 75)) + "\n//\n";

        var result = await GenBankAsync(Record + "\n" + second);

        Assert.Equal(2, result.Count);
        var big = result.Records[1];
        Assert.Equal("BIG", big.Locus);
        Assert.Equal("circular", big.Topology);
        Assert.Null(big.Accession);
        Assert.Equal(250, big.FeatureCount);
        Assert.True(big.FeaturesTruncated);
        Assert.Equal(SequenceFileTools.MaxFeatures, big.Features.Count);
        Assert.Equal("n200", big.Features[^1].Qualifiers["note"]);
        Assert.Equal(300, big.SequenceLength);
        Assert.Equal(60, big.SequencePreview.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData(">seq1\nATG")]
    [InlineData("DEFINITION  no locus line.\n//")]
    [InlineData("LOCUS\n//")]
    [InlineData("LOCUS       X  3 bp  DNA\nORIGIN\n        1 ac%\n//")]
    public async Task Text_that_is_not_GenBank_is_rejected(string text)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => GenBankAsync(text));
        Assert.Equal("text", error.ParamName);
    }

    [Fact]
    public void File_tools_are_in_the_sequence_category()
    {
        Assert.All(SequenceFileTools.All, t => Assert.Equal(SequenceTools.Category, t.Category));
        Assert.Equal(["parse_fasta", "parse_genbank"], SequenceFileTools.All.Select(t => t.Name));
        Assert.IsType<ResearchTool>(SequenceFileTools.ParseGenBankTool);
    }
}
