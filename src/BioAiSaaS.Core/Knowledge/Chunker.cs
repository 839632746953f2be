namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// Cuts sections into passages small enough for the embedding model (MiniLM reads ~256 tokens, ~1,000 characters)
/// at paragraph, then sentence, then word boundaries, with a little overlap so a fact split between two passages is
/// still whole in one of them.
/// </summary>
public static class Chunker
{
    public const int MaxChars = 1000;
    public const int OverlapChars = 150;

    public static IEnumerable<TextSection> Split(IEnumerable<TextSection> sections)
    {
        foreach (var section in sections)
        {
            var text = section.Text.Trim();
            if (text.Length == 0)
            {
                continue;
            }
            if (text.Length <= MaxChars)
            {
                yield return section with { Text = text };
                continue;
            }
            var part = 1;
            var start = 0;
            while (start < text.Length)
            {
                var end = Math.Min(start + MaxChars, text.Length);
                if (end < text.Length)
                {
                    end = Boundary(text, start, end);
                }
                yield return new TextSection($"{section.Location} (part {part++})", text[start..end].Trim());
                if (end >= text.Length)
                {
                    break;
                }
                // Step back for the overlap, but always forward overall.
                start = Math.Max(end - OverlapChars, start + 1);
                var space = text.IndexOf(' ', start);
                start = space >= 0 && space < end ? space + 1 : start;
            }
        }
    }

    /// <summary>The best place to end a passage before <paramref name="end"/>: a paragraph, a sentence, a word.</summary>
    private static int Boundary(string text, int start, int end)
    {
        var floor = start + MaxChars / 2;
        foreach (var separator in new[] { "\n\n", ". ", "\n", " " })
        {
            var at = text.LastIndexOf(separator, end - 1, end - floor, StringComparison.Ordinal);
            if (at > floor)
            {
                return at + separator.Length;
            }
        }
        return end;
    }
}
