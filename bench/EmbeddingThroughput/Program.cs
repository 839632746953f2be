using System.Diagnostics;
using System.Globalization;
using BioAiSaaS.Core.Knowledge;

// Passages like bench/knowledge.py generates, of several lengths, embedded in batches of several sizes.
using var generator = new LocalEmbeddingGenerator();
var random = new Random(7);
await generator.GenerateAsync(["warm-up"]);
Console.WriteLine($"{Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}");
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
