using System.Globalization;
using System.Text;
using UglyToad.PdfPig;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>Thrown when a document's content cannot be read as its kind (a corrupt PDF, a FASTA without records …).</summary>
public sealed class UnreadableDocumentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A piece of a document's text and where it stands in the document.</summary>
public sealed record TextSection(string Location, string Text);

/// <summary>The kinds of file a project accepts, known by their extension, and how each becomes searchable text.</summary>
public static class DocumentText
{
    private static readonly Dictionary<string, string> KindsByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text", [".text"] = "text",
        [".md"] = "markdown", [".markdown"] = "markdown",
        [".pdf"] = "pdf",
        [".csv"] = "csv", [".tsv"] = "tsv",
        [".fa"] = "fasta", [".fasta"] = "fasta", [".fna"] = "fasta", [".faa"] = "fasta", [".ffn"] = "fasta",
        [".gb"] = "genbank", [".gbk"] = "genbank", [".genbank"] = "genbank", [".gbff"] = "genbank",
    };

    public static IEnumerable<string> Extensions => KindsByExtension.Keys;

    /// <summary>The kind for a file name, or null when the type is not accepted.</summary>
    public static string? KindOf(string fileName) => KindsByExtension.GetValueOrDefault(Path.GetExtension(fileName));

    /// <summary>Turns content into located sections of text; FASTA and GenBank become record summaries, not sequence.</summary>
    public static IReadOnlyList<TextSection> Extract(string kind, byte[] content) => kind switch
    {
        "pdf" => Pdf(content),
        "fasta" => Fasta(Decode(content)),
        "genbank" => GenBank(Decode(content)),
        "markdown" => Markdown(Decode(content)),
        "csv" or "tsv" => Table(Decode(content)),
        _ => [new TextSection("text", Decode(content))],
    };

    private static string Decode(byte[] content)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content).Replace("\r\n", "\n", StringComparison.Ordinal);
        }
        catch (DecoderFallbackException e)
        {
            throw new UnreadableDocumentException("The file is not UTF-8 text.", e);
        }
    }

    private static List<TextSection> Pdf(byte[] content)
    {
        try
        {
            using var pdf = PdfDocument.Open(content);
            var pages = pdf.GetPages()
                .Select(page => new TextSection(string.Create(CultureInfo.InvariantCulture, $"page {page.Number}"), page.Text))
                .Where(s => !string.IsNullOrWhiteSpace(s.Text))
                .ToList();
            return pages.Count > 0 ? pages : throw new UnreadableDocumentException("The PDF has no text layer (a scan?).");
        }
        catch (Exception e) when (e is not UnreadableDocumentException)
        {
            throw new UnreadableDocumentException($"The PDF cannot be read: {e.Message}", e);
        }
    }

    /// <summary>One section per heading, so a passage cites the section it came from.</summary>
    private static List<TextSection> Markdown(string text)
    {
        var sections = new List<TextSection>();
        var heading = "start";
        var body = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                Flush();
                heading = line.TrimStart('#').Trim();
            }
            body.AppendLine(line);
        }
        Flush();
        return sections;

        void Flush()
        {
            if (body.Length > 0 && !string.IsNullOrWhiteSpace(body.ToString()))
            {
                sections.Add(new TextSection($"section {heading}", body.ToString()));
            }
            body.Clear();
        }
    }

    /// <summary>Rows in blocks of 50, each block led by the header so a passage keeps its column names.</summary>
    private static List<TextSection> Table(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return [];
        }
        const int rowsPerSection = 50;
        var sections = new List<TextSection>();
        for (var start = 1; start < Math.Max(lines.Length, 2); start += rowsPerSection)
        {
            var rows = lines.Skip(start).Take(rowsPerSection).ToList();
            var last = start + Math.Max(rows.Count, 1) - 1;
            sections.Add(new TextSection(string.Create(CultureInfo.InvariantCulture, $"rows {start}-{last}"),
                string.Join('\n', [lines[0], .. rows])));
        }
        return sections;
    }

    private static List<TextSection> Fasta(string text)
    {
        var sections = new List<TextSection>();
        string? header = null;
        var sequence = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('>'))
            {
                Flush();
                header = line[1..].Trim();
            }
            else if (header is not null)
            {
                sequence.Append(line.Trim());
            }
        }
        Flush();
        return sections.Count > 0 ? sections : throw new UnreadableDocumentException("No FASTA record (a line starting with '>') was found.");

        void Flush()
        {
            if (header is null)
            {
                return;
            }
            var id = header.Split(' ', 2)[0];
            sections.Add(new TextSection($"record {id}", $"FASTA record {header}. {Describe(sequence.ToString())}"));
            sequence.Clear();
        }
    }

    /// <summary>A sequence as facts (length, type, composition), never as prose letters.</summary>
    private static string Describe(string sequence)
    {
        var upper = sequence.ToUpperInvariant();
        var nucleotides = upper.Count(c => c is 'A' or 'C' or 'G' or 'T' or 'U' or 'N');
        if (upper.Length > 0 && nucleotides >= upper.Length * 0.9)
        {
            var gc = upper.Count(c => c is 'G' or 'C') * 100.0 / upper.Length;
            return string.Create(CultureInfo.InvariantCulture,
                $"Nucleotide sequence of {upper.Length} bases, GC content {gc:F1}%.");
        }
        return string.Create(CultureInfo.InvariantCulture, $"Protein sequence of {upper.Length} residues.");
    }

    /// <summary>One section per record: its identifiers, definition, organism and the genes and products it annotates.</summary>
    private static List<TextSection> GenBank(string text)
    {
        var sections = new List<TextSection>();
        foreach (var record in text.Split("\n//", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = record.Split('\n');
            string Field(string name) => string.Join(' ', lines
                .SkipWhile(l => !l.StartsWith(name, StringComparison.Ordinal))
                .Take(1)
                .Concat(lines.SkipWhile(l => !l.StartsWith(name, StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.StartsWith("   ", StringComparison.Ordinal)))
                .Select(l => l.Length > 12 ? l[12..].Trim() : "")).Trim();
            var locus = Field("LOCUS");
            if (locus.Length == 0)
            {
                continue;
            }
            var accession = Field("ACCESSION").Split(' ', 2)[0];
            var version = Field("VERSION").Split(' ', 2)[0];
            var organism = lines.FirstOrDefault(l => l.TrimStart().StartsWith("ORGANISM", StringComparison.Ordinal))?.Trim()["ORGANISM".Length..].Trim();
            var qualifiers = lines.Select(l => l.Trim())
                .Where(l => l.StartsWith("/gene=", StringComparison.Ordinal) || l.StartsWith("/product=", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'))
                .Distinct().Take(50);
            var summary = $"GenBank record {(version.Length > 0 ? version : accession)} ({Field("LOCUS").Split(' ', 2)[0]}): " +
                          $"{Field("DEFINITION")} Organism: {organism ?? "unknown"}. Locus: {locus}. " +
                          $"Annotated genes and products: {string.Join(", ", qualifiers)}.";
            sections.Add(new TextSection($"record {(version.Length > 0 ? version : accession)}", summary));
        }
        return sections.Count > 0 ? sections : throw new UnreadableDocumentException("No GenBank record (a LOCUS line) was found.");
    }
}
