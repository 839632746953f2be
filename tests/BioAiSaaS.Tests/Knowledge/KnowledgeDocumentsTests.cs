using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Tests.Infrastructure;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>Uploads through the real Api, ingestion by the real Worker (local model), then search: the whole path.</summary>
[Collection(StackCollection.Name)]
public sealed class KnowledgeDocumentsTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record ProjectResponse(Guid Id);
    private sealed record DocumentResponse(Guid Id, Guid ProjectId, string Title, string Kind, long SizeBytes, string Status, string? FailureReason);

    public static TheoryData<string, string, string, string> Files => new()
    {
        { "notes.txt", "Always include a no-template control in every qPCR plate to detect contamination.", "no-template control", "text" },
        { "guide.md", "# Intro\nGeneral words.\n\n## Guide selection\nSpCas9 guides need an NGG PAM directly after the 20-nt protospacer.", "NGG PAM", "section Guide selection" },
        { "counts.csv", "gene,log2fc,padj\nBRCA1,2.3,0.001\nTP53,-1.1,0.02\n", "BRCA1", "rows 1-2" },
        { "counts.tsv", "gene\tlog2fc\nPALB2\t1.7\n", "PALB2", "rows 1-1" },
        { "seqs.fasta", ">NM_007294.4 Homo sapiens BRCA1 DNA repair associated\nATGGATTTATCTGCTCTTCGCGTTGAAGAAGTACAAAATGTCATTAATGCTATGCAGAAAATC\n", "NM_007294.4", "record NM_007294.4" },
        { "brca1.gb", GenBankRecord, "susceptibility", "record NM_007294.4" },
    };

    private const string GenBankRecord = """
        LOCUS       NM_007294               7088 bp    mRNA    linear   PRI 10-OCT-2023
        DEFINITION  Homo sapiens BRCA1 DNA repair associated (BRCA1), transcript
                    variant 1, mRNA.
        ACCESSION   NM_007294
        VERSION     NM_007294.4
        SOURCE      Homo sapiens (human)
          ORGANISM  Homo sapiens
        FEATURES             Location/Qualifiers
             gene            1..7088
                             /gene="BRCA1"
             CDS             114..5705
                             /gene="BRCA1"
                             /product="breast cancer type 1 susceptibility protein isoform 1"
        ORIGIN
                1 gctgagactt cctggacggg ggacaggctg tggggtttct cagataactg ggcccctgcg
        //
        """;

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Each_file_type_is_ingested_and_found_with_its_location(string fileName, string content, string query, string location)
    {
        var project = await NewProjectAsync();

        var document = await UploadAsync(project, fileName, Encoding.UTF8.GetBytes(content), HttpStatusCode.Accepted);
        var ready = await WaitUntilSettledAsync(project, document.Id);
        var passages = await SearchAsync(project, query);

        Assert.Equal("ready", ready.Status);
        Assert.Equal(document.Id, passages[0].DocumentId);
        Assert.Equal(location, passages[0].Location);
        Assert.Equal(fileName, passages[0].Title);
        if (fileName.EndsWith(".fasta", StringComparison.Ordinal) || fileName.EndsWith(".gb", StringComparison.Ordinal))
        {
            // A record summary, not the sequence as prose.
            Assert.DoesNotContain("ATGGATTTATCTG", passages[0].Snippet, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("gctgagactt", passages[0].Snippet, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_PDF_is_ingested_page_by_page()
    {
        var project = await NewProjectAsync();
        var pdf = Pdf("Western blot protocol", "Block the membrane in five percent milk for one hour before the primary antibody.");

        var document = await UploadAsync(project, "blot.pdf", pdf, HttpStatusCode.Accepted);
        await WaitUntilSettledAsync(project, document.Id);
        var passages = await SearchAsync(project, "membrane blocking milk");

        Assert.Equal("pdf", document.Kind);
        Assert.Equal(document.Id, passages[0].DocumentId);
        Assert.Equal("page 2", passages[0].Location);
    }

    [Fact]
    public async Task The_same_content_uploaded_again_is_the_same_document()
    {
        var project = await NewProjectAsync();
        var bytes = Encoding.UTF8.GetBytes($"Codon usage tables differ between E. coli and human cells {Guid.NewGuid()}.");

        var first = await UploadAsync(project, "codons.txt", bytes, HttpStatusCode.Accepted);
        var again = await UploadAsync(project, "codons-copy.txt", bytes, HttpStatusCode.OK);

        Assert.Equal(first.Id, again.Id);
        Assert.Single(await ListAsync(project));
    }

    [Fact]
    public async Task Deleting_a_document_deletes_its_passages()
    {
        var project = await NewProjectAsync();
        var document = await UploadAsync(project, "digest.txt", "EcoRI cuts at GAATTC leaving sticky ends."u8.ToArray(), HttpStatusCode.Accepted);
        await WaitUntilSettledAsync(project, document.Id);
        Assert.NotEmpty(await SearchAsync(project, "EcoRI"));

        var deleted = await stack.Api.DeleteAsync($"/api/projects/{project}/documents/{document.Id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await SearchAsync(project, "EcoRI"));
        Assert.Empty(await ListAsync(project));
    }

    [Fact]
    public async Task Bad_uploads_get_clear_problems_and_leave_nothing_behind()
    {
        var project = await NewProjectAsync();

        var empty = await PostFileAsync(project, "empty.txt", []);
        var wrongType = await PostFileAsync(project, "tool.exe", "MZ"u8.ToArray());
        var corruptPdf = await PostFileAsync(project, "broken.pdf", "%PDF-1.7 this is not really a PDF"u8.ToArray());
        var notUtf8 = await PostFileAsync(project, "latin1.txt", [0x66, 0x6f, 0xe9, 0xff]);
        var oversize = await PostFileAsync(project, "huge.txt", new byte[(int)KnowledgeLimits.MaxUploadBytes + 1]);

        await empty.AssertValidationProblemAsync("file");
        var type = await wrongType.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains(".fasta", type.Detail, StringComparison.Ordinal);
        await corruptPdf.AssertValidationProblemAsync("file");
        await notUtf8.AssertValidationProblemAsync("file");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversize.StatusCode);
        Assert.Empty(await ListAsync(project));
    }

    private async Task<Guid> NewProjectAsync() =>
        (await (await stack.Api.PostAsJsonAsync("/api/projects", new { name = "knowledge" }, Ct)).ReadAsync<ProjectResponse>(HttpStatusCode.Created)).Id;

    private Task<HttpResponseMessage> PostFileAsync(Guid project, string fileName, byte[] bytes)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        return stack.Api.PostAsync($"/api/projects/{project}/documents", form, Ct);
    }

    private async Task<DocumentResponse> UploadAsync(Guid project, string fileName, byte[] bytes, HttpStatusCode expected) =>
        await (await PostFileAsync(project, fileName, bytes)).ReadAsync<DocumentResponse>(expected);

    private async Task<List<DocumentResponse>> ListAsync(Guid project) =>
        (await stack.Api.GetFromJsonAsync<List<DocumentResponse>>($"/api/projects/{project}/documents", Ct))!;

    private async Task<List<Passage>> SearchAsync(Guid project, string query) =>
        [.. (await stack.Api.GetFromJsonAsync<KnowledgeResults>($"/api/projects/{project}/knowledge/search?q={Uri.EscapeDataString(query)}&k=5", Ct))!.Passages];

    /// <summary>Polls until the Worker has ingested the document (or failed it).</summary>
    private async Task<DocumentResponse> WaitUntilSettledAsync(Guid project, Guid document)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var current = (await stack.Api.GetFromJsonAsync<DocumentResponse>($"/api/projects/{project}/documents/{document}", Ct))!;
            if (current.Status is "ready" or "failed" || DateTime.UtcNow > deadline)
            {
                Assert.True(current.Status == "ready", $"{current.Status}: {current.FailureReason}");
                return current;
            }
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>A real PDF with a text layer, one page per text, written by PdfPig.</summary>
    private static byte[] Pdf(params string[] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            page.AddText(text, 11, new UglyToad.PdfPig.Core.PdfPoint(50, 750), font);
        }
        return builder.Build();
    }
}
