using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>One FASTA record, summarised.</summary>
/// <remarks>
/// <para><c>Description</c>: The header after the identifier (empty when the header is the identifier alone).</para>
/// <para><c>Type</c>: dna, rna or protein, guessed from the letters; unknown for an empty sequence.</para>
/// <para><c>Preview</c>: The first 60 letters as written.</para>
/// </remarks>
public sealed record FastaRecord(string Id, string Description, int Length, string Type, double? GcFraction, string Preview);

/// <summary>What <c>parse_fasta</c> returns.</summary>
/// <remarks>
/// <para><c>Count</c>: Records in the text; at most <see cref="SequenceFileTools.MaxRecords"/> are listed.</para>
/// </remarks>
public sealed record FastaSummary(int Count, bool Truncated, IReadOnlyList<FastaRecord> Records);

/// <summary>A GenBank feature: its key (gene, CDS, ...), location as written, and qualifiers.</summary>
/// <remarks>
/// <para><c>Qualifiers</c>:
/// Qualifier values without quotes; a flag qualifier (/pseudo) has an empty value, a repeated one (/db_xref) its values
/// joined with "; ", and a value over 200 characters (a /translation) is cut there and ends with "…".
/// </para>
/// </remarks>
public sealed record GenBankFeature(string Type, string Location, IReadOnlyDictionary<string, string> Qualifiers);

/// <summary>One GenBank record, summarised: the sequence itself is not returned, only its length, GC and first letters.</summary>
/// <remarks>
/// <para><c>Length</c>: Length declared on the LOCUS line.</para>
/// <para><c>SequenceLength</c>: Letters in the ORIGIN section (0 when the record has none).</para>
/// <para><c>FeatureCount</c>: Features in the record; at most <see cref="SequenceFileTools.MaxFeatures"/> are listed.</para>
/// </remarks>
public sealed record GenBankRecord(string Locus, string? Accession, string? Version, string? Definition, string? Organism,
    string? MoleculeType, string? Topology, string? Division, string? Date, int? Length, int SequenceLength,
    double? GcFraction, string SequencePreview, int FeatureCount, bool FeaturesTruncated, IReadOnlyList<GenBankFeature> Features);

/// <summary>What <c>parse_genbank</c> returns.</summary>
public sealed record GenBankSummary(int Count, bool Truncated, IReadOnlyList<GenBankRecord> Records);

/// <summary>Readers for sequence files pasted or uploaded as text: FASTA and the GenBank flat file.</summary>
public static class SequenceFileTools
{
    public const int MaxRecords = 10_000;
    public const int MaxGenBankRecords = 1_000;
    public const int MaxFeatures = 200;
    public const int MaxTextLength = 50_000_000;
    private const int MaxQualifierLength = 200;

    public static ResearchTool ParseFastaTool { get; } = new(SequenceTools.Category, AIFunctionFactory.Create(ParseFasta, new AIFunctionFactoryOptions
    {
        Name = "parse_fasta",
        Description = "Read FASTA text: for each record the identifier, description, length, a guess of dna/rna/protein, "
            + "GC fraction for nucleotides and the first 60 letters (not the whole sequence). Up to 10,000 records listed.",
    }));

    public static ResearchTool ParseGenBankTool { get; } = new(SequenceTools.Category, AIFunctionFactory.Create(ParseGenBank, new AIFunctionFactoryOptions
    {
        Name = "parse_genbank",
        Description = "Read a GenBank flat file (one or more records): locus, accession, version, definition, organism, "
            + "molecule type, topology, length, features with their locations and qualifiers (gene, product, locus_tag, "
            + "...; up to 200 per record), and a summary of the sequence (length, GC fraction, first 60 letters).",
    }));

    public static IReadOnlyList<ResearchTool> All { get; } = [ParseFastaTool, ParseGenBankTool];

    private static FastaSummary ParseFasta([Description("The FASTA text: '>' header lines each followed by sequence lines.")] string text)
    {
        var lines = Lines(text);
        var records = new List<FastaRecord>();
        var count = 0;
        string? id = null, description = null;
        var sequence = new StringBuilder();
        var seenHeader = false;

        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] == '>')
            {
                Flush();
                var header = line[1..].Trim();
                var space = header.IndexOfAny([' ', '\t']);
                (id, description) = space < 0 ? (header, "") : (header[..space], header[(space + 1)..].Trim());
                if (id.Length == 0)
                {
                    throw new ArgumentException($"text line {n + 1}: the FASTA header has no identifier after '>'.", nameof(text));
                }
                seenHeader = true;
                continue;
            }
            if (!seenHeader)
            {
                var hint = line.StartsWith("LOCUS", StringComparison.Ordinal) ? " It looks like GenBank: use parse_genbank." : "";
                throw new ArgumentException(
                    $"text is not FASTA: line {n + 1} comes before any '>' header line.{hint}", nameof(text));
            }
            foreach (var c in line)
            {
                // Letters of any alphabet, '*' for a stop and '-' or '.' for alignment gaps; anything else is not sequence.
                if (char.IsAsciiLetter(c) || c is '*' or '-' or '.')
                {
                    sequence.Append(c);
                }
                else if (!char.IsWhiteSpace(c))
                {
                    throw new ArgumentException(
                        $"text line {n + 1} (record '{id}') has '{c}', which is not a sequence letter.", nameof(text));
                }
            }
        }
        Flush();
        if (count == 0)
        {
            throw new ArgumentException("text is not FASTA: it has no '>' header line.", nameof(text));
        }
        return new FastaSummary(count, count > MaxRecords, records);

        void Flush()
        {
            if (id is null)
            {
                return;
            }
            count++;
            if (records.Count < MaxRecords)
            {
                var letters = sequence.ToString();
                var type = GuessType(letters);
                records.Add(new FastaRecord(id, description ?? "", letters.Length, type,
                    type is "dna" or "rna" ? Sequences.GcFraction(letters) : null, Sequences.Preview(letters)));
            }
            sequence.Clear();
            id = null;
        }
    }

    /// <summary>
    /// Nucleotide when every letter is a nucleotide code and at least 90% are A, C, G, T, U or N (so a protein made of
    /// A, C, G, T... letters by chance still needs to look like DNA); RNA when it has U and no T. Gaps and '*' are not counted.
    /// </summary>
    private static string GuessType(string sequence)
    {
        int letters = 0, plain = 0, t = 0, u = 0;
        var allNucleotide = true;
        foreach (var c in sequence)
        {
            var upper = char.ToUpperInvariant(c);
            if (!char.IsAsciiLetter(upper))
            {
                continue;
            }
            letters++;
            allNucleotide &= Sequences.NucleotideLetters.Contains(upper, StringComparison.Ordinal);
            if ("ACGTUN".Contains(upper, StringComparison.Ordinal))
            {
                plain++;
            }
            t += upper == 'T' ? 1 : 0;
            u += upper == 'U' ? 1 : 0;
        }
        if (letters == 0)
        {
            return "unknown";
        }
        if (!allNucleotide || plain < 0.9 * letters)
        {
            return "protein";
        }
        return u > 0 && t == 0 ? "rna" : "dna";
    }

    private static GenBankSummary ParseGenBank([Description("The GenBank flat file text, from LOCUS to // for each record.")] string text)
    {
        var lines = Lines(text);
        var first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first < 0 || !lines[first].StartsWith("LOCUS", StringComparison.Ordinal))
        {
            var hint = first >= 0 && lines[first].TrimStart().StartsWith('>') ? " It looks like FASTA: use parse_fasta." : "";
            throw new ArgumentException($"text is not a GenBank flat file: it must begin with a LOCUS line.{hint}", nameof(text));
        }

        var records = new List<GenBankRecord>();
        var count = 0;
        GenBankReader? reader = null;
        for (var n = first; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.StartsWith("LOCUS", StringComparison.Ordinal))
            {
                // A record without its closing // still counts: files cut short are common and the rest is usable.
                Finish();
                reader = new GenBankReader(line, n + 1);
            }
            else if (line.StartsWith("//", StringComparison.Ordinal))
            {
                Finish();
            }
            else if (reader is not null)
            {
                reader.Read(line, n + 1);
            }
            else if (line.Trim().Length > 0)
            {
                throw new ArgumentException($"text line {n + 1} is outside any record (records run from LOCUS to //).", nameof(text));
            }
        }
        Finish();
        return new GenBankSummary(count, count > MaxGenBankRecords, records);

        void Finish()
        {
            if (reader is null)
            {
                return;
            }
            count++;
            if (records.Count < MaxGenBankRecords)
            {
                records.Add(reader.ToRecord());
            }
            reader = null;
        }
    }

    private static string[] Lines(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("text must not be empty.", nameof(text));
        }
        if (text.Length > MaxTextLength)
        {
            throw new ArgumentException($"text is longer than {MaxTextLength:N0} characters.", nameof(text));
        }
        return text.ReplaceLineEndings("\n").Split('\n');
    }

    /// <summary>
    /// One GenBank record read line by line. The flat file is column-based: keywords start in column 1 with their value
    /// from column 13, sub-keywords (ORGANISM) are indented two spaces, feature keys start in column 6 with the location
    /// from column 22, and qualifiers and all continuations start in column 22.
    /// </summary>
    private sealed class GenBankReader
    {
        // The tool's parameter, named in the errors the reader raises.
        private static readonly string TextParameter = "text";

        private const int FeatureIndent = 21;

        private readonly string _locus;
        private readonly string? _moleculeType, _topology, _division, _date;
        private readonly int? _length;
        private readonly StringBuilder _definition = new();
        private readonly StringBuilder _sequence = new();
        private readonly List<GenBankFeature> _features = [];
        private string? _accession, _version, _organism;
        private string _section = "LOCUS";
        private int _featureCount;

        // The feature being read: its key, location text and qualifiers so far (raw "/key=value" texts).
        private string? _featureKey;
        private StringBuilder? _location;
        private readonly List<StringBuilder> _qualifiers = [];

        public GenBankReader(string line, int number)
        {
            // LOCUS name length bp|aa [strandedness-]molecule [linear|circular] division date; the spacing varies
            // between releases and tools, so tokens are recognised by what they look like rather than by column.
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 2)
            {
                throw new ArgumentException($"text line {number}: the LOCUS line has no locus name.", TextParameter);
            }
            _locus = tokens[1];
            var unit = Array.FindIndex(tokens, 2, t => t is "bp" or "aa");
            if (unit > 0 && int.TryParse(tokens[unit - 1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                _length = length;
            }
            foreach (var token in tokens.Skip(unit > 0 ? unit + 1 : 2))
            {
                if (token is "linear" or "circular")
                {
                    _topology = token;
                }
                else if (token.Contains("DNA", StringComparison.OrdinalIgnoreCase) || token.Contains("RNA", StringComparison.OrdinalIgnoreCase))
                {
                    _moleculeType = token;
                }
                else if (DateTime.TryParseExact(token, "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    _date = token;
                }
                else if (token.Length == 3 && token.All(char.IsAsciiLetterUpper))
                {
                    _division = token;
                }
            }
            if (_moleculeType is null && unit > 0 && tokens[unit] == "aa")
            {
                _moleculeType = "protein";
            }
        }

        public void Read(string line, int number)
        {
            if (line.Length > 0 && line[0] != ' ')
            {
                EndFeature();
                var keyword = (line.Length > 12 ? line[..12] : line).Trim();
                var space = keyword.IndexOf(' ', StringComparison.Ordinal);
                _section = space < 0 ? keyword : keyword[..space];
                var value = line.Length > 12 ? line[12..].Trim() : "";
                if (line.Length <= 12 && space > 0)
                {
                    value = keyword[(space + 1)..].Trim();
                }
                switch (_section)
                {
                    case "DEFINITION":
                        _definition.Append(value);
                        break;
                    case "ACCESSION":
                        _accession = FirstToken(value);
                        break;
                    case "VERSION":
                        _version = FirstToken(value);
                        break;
                    default:
                        break;
                }
                return;
            }

            switch (_section)
            {
                case "DEFINITION":
                    _definition.Append(' ').Append(line.Trim());
                    break;
                case "SOURCE":
                    ReadSource(line);
                    break;
                case "FEATURES":
                    ReadFeatureLine(line, number);
                    break;
                case "ORIGIN":
                    foreach (var c in line)
                    {
                        if (char.IsAsciiLetter(c) || c is '*' or '-')
                        {
                            _sequence.Append(c);
                        }
                        else if (!char.IsWhiteSpace(c) && !char.IsAsciiDigit(c))
                        {
                            throw new ArgumentException($"text line {number} has '{c}' in the ORIGIN sequence.", TextParameter);
                        }
                    }
                    break;
                default:
                    break;
            }
        }

        public GenBankRecord ToRecord()
        {
            EndFeature();
            var letters = _sequence.ToString();
            var nucleotide = _moleculeType != "protein";
            var definition = _definition.Length > 0 ? _definition.ToString() : null;
            return new GenBankRecord(_locus, _accession, _version, definition, _organism, _moleculeType, _topology,
                _division, _date, _length, letters.Length, nucleotide ? Sequences.GcFraction(letters) : null,
                Sequences.Preview(letters), _featureCount, _featureCount > MaxFeatures, _features);
        }

        private void ReadSource(string line)
        {
            // "  ORGANISM  Homo sapiens" is followed by the lineage (Eukaryota; Metazoa; ...); only the name is kept.
            var trimmed = line.TrimStart();
            if (_organism is null && trimmed.StartsWith("ORGANISM", StringComparison.Ordinal))
            {
                _organism = trimmed["ORGANISM".Length..].Trim();
            }
        }

        private void ReadFeatureLine(string line, int number)
        {
            var indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (content.Length == 0)
            {
                return;
            }
            if (indent < FeatureIndent)
            {
                // A new feature: key in column 6, location from column 22.
                EndFeature();
                var space = content.IndexOf(' ', StringComparison.Ordinal);
                _featureKey = space < 0 ? content : content[..space];
                _location = new StringBuilder(space < 0 ? "" : content[(space + 1)..].Trim());
                return;
            }
            if (_featureKey is null || _location is null)
            {
                throw new ArgumentException($"text line {number}: a feature qualifier or location comes before any feature key.", TextParameter);
            }
            var current = _qualifiers.Count > 0 ? _qualifiers[^1] : null;
            var insideQuotes = current is not null && Quotes(current) % 2 == 1;
            if (content[0] == '/' && !insideQuotes)
            {
                _qualifiers.Add(new StringBuilder(content));
            }
            else if (current is null)
            {
                // Long locations (join(...)) wrap onto following lines without spaces between the pieces.
                _location.Append(content);
            }
            else
            {
                current.Append(' ').Append(content);
            }
        }

        private void EndFeature()
        {
            if (_featureKey is null || _location is null)
            {
                return;
            }
            _featureCount++;
            if (_features.Count < MaxFeatures)
            {
                var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var raw in _qualifiers)
                {
                    var (key, value) = Qualifier(raw.ToString());
                    qualifiers[key] = qualifiers.TryGetValue(key, out var earlier) ? earlier + "; " + value : value;
                }
                foreach (var key in qualifiers.Keys.ToList())
                {
                    var value = qualifiers[key];
                    if (value.Length > MaxQualifierLength)
                    {
                        qualifiers[key] = value[..MaxQualifierLength] + "…";
                    }
                }
                _features.Add(new GenBankFeature(_featureKey, _location.ToString(), qualifiers));
            }
            _featureKey = null;
            _location = null;
            _qualifiers.Clear();
        }

        /// <summary>"/key=\"value\"" to (key, value): quotes removed, doubled quotes undone, translations unspaced.</summary>
        private static (string Key, string Value) Qualifier(string raw)
        {
            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                return (raw[1..], "");
            }
            var key = raw[1..equals];
            var value = raw[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
            }
            // A protein wraps across lines at column 80; the joining spaces are not part of it.
            return key == "translation" ? (key, value.Replace(" ", "", StringComparison.Ordinal)) : (key, value);
        }

        private static int Quotes(StringBuilder text)
        {
            var quotes = 0;
            for (var i = 0; i < text.Length; i++)
            {
                quotes += text[i] == '"' ? 1 : 0;
            }
            return quotes;
        }

        private static string? FirstToken(string value)
        {
            var token = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return string.IsNullOrEmpty(token) ? null : token;
        }
    }
}
