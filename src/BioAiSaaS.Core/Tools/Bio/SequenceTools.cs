using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.AI;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>Which codons open a reading frame in <c>find_orfs</c>.</summary>
public enum OrfStarts
{
    /// <summary>ATG only, the usual choice for eukaryotic genes.</summary>
    Atg,
    /// <summary>Every start codon of the genetic code (for table 11 also GTG, TTG, CTG, ATT, ATC, ATA).</summary>
    Table,
}

/// <summary>What <c>sequence_stats</c> returns.</summary>
/// <remarks>
/// <para><c>Counts</c>: Letters (upper case) and how often each occurs, in alphabetical order.</para>
/// <para><c>GcFraction</c>: G+C+S over A+C+G+T+U+S+W (Biopython's default); null for proteins.</para>
/// <para><c>MolecularWeight</c>: Average mass in daltons as Biopython's molecular_weight computes it; null when a letter has no mass (ambiguity codes, X, *).</para>
/// </remarks>
public sealed record SequenceStats(string Molecule, int Length, bool DoubleStranded, double? GcFraction,
    IReadOnlyDictionary<string, int> Counts, double? MolecularWeight, string? Note);

/// <summary>What <c>reverse_complement</c> returns.</summary>
public sealed record ComplementedSequence(string Sequence, string Molecule, int Length);

/// <summary>What <c>transcribe</c> returns.</summary>
public sealed record Transcript(string Rna, int Length);

/// <summary>What <c>translate</c> returns.</summary>
/// <remarks>
/// <para><c>Codons</c>: Whole codons read from the sequence.</para>
/// <para><c>TrailingBasesIgnored</c>: Bases after the last whole codon (0-2), not translated.</para>
/// </remarks>
public sealed record Translation(string Protein, int Length, int Table, string TableName, int Codons, int TrailingBasesIgnored);

/// <summary>One open reading frame. Start and End are 1-based, inclusive, on the input's forward coordinates.</summary>
/// <remarks>
/// <para><c>Strand</c>: "+" for the input as given, "-" for its reverse complement (which reads from End down to Start).</para>
/// <para><c>Frame</c>: 1-3: the offset of the first codon from the 5' end of the strand read (for "-", of the reverse complement).</para>
/// <para><c>Complete</c>: False when the sequence ends before an in-frame stop codon.</para>
/// <para><c>LengthNt</c>: Nucleotides from the start codon through the stop codon (or the last whole codon).</para>
/// </remarks>
public sealed record Orf(string Strand, int Frame, int Start, int End, int LengthNt, bool Complete, string StartCodon,
    int ProteinLength, string Protein);

/// <summary>What <c>find_orfs</c> returns.</summary>
/// <remarks>
/// <para><c>Total</c>: ORFs found at or above the minimum length; at most <see cref="SequenceTools.MaxOrfs"/> are listed.</para>
/// </remarks>
public sealed record OrfSearch(int SequenceLength, int Table, string Starts, int MinProteinLength, int Total, bool Truncated,
    IReadOnlyList<Orf> Orfs);

/// <summary>
/// Sequence tools (category "sequence"): statistics, reverse complement, transcription, translation with the NCBI genetic
/// codes and six-frame ORF finding, plus the FASTA and GenBank readers of <see cref="SequenceFileTools"/>. All are pure
/// functions of their arguments.
/// </summary>
public static class SequenceTools
{
    public const string Category = "sequence";
    public const int MaxOrfs = 1000;

    /// <summary>Water lost per phosphodiester or peptide bond, Biopython's average mass.</summary>
    private const double Water = 18.0153;

    // Average masses of the free deoxynucleoside monophosphates, nucleoside monophosphates and amino acids, the values
    // Biopython's Bio.Data.IUPACData uses (unambiguous_dna_weights, unambiguous_rna_weights, protein_weights).
    private static readonly Dictionary<char, double> DnaWeights = new()
    {
        ['A'] = 331.2218, ['C'] = 307.1971, ['G'] = 347.2212, ['T'] = 322.2085,
    };

    private static readonly Dictionary<char, double> RnaWeights = new()
    {
        ['A'] = 347.2212, ['C'] = 323.1965, ['G'] = 363.2206, ['U'] = 324.1813,
    };

    private static readonly Dictionary<char, double> ProteinWeights = new()
    {
        ['A'] = 89.0932, ['C'] = 121.1582, ['D'] = 133.1027, ['E'] = 147.1293, ['F'] = 165.1891, ['G'] = 75.0666,
        ['H'] = 155.1546, ['I'] = 131.1729, ['K'] = 146.1876, ['L'] = 131.1729, ['M'] = 149.2113, ['N'] = 132.1179,
        ['O'] = 255.3134, ['P'] = 115.1305, ['Q'] = 146.1445, ['R'] = 174.201, ['S'] = 105.0926, ['T'] = 119.1192,
        ['U'] = 168.0532, ['V'] = 117.1463, ['W'] = 204.2252, ['Y'] = 181.1885,
    };

    public static ResearchTool StatsTool { get; } = new(Category, AIFunctionFactory.Create(Stats, new AIFunctionFactoryOptions
    {
        Name = "sequence_stats",
        Description = "Length, letter counts, GC fraction (DNA/RNA) and average molecular weight in daltons of a DNA, RNA "
            + "or protein sequence, computed as Biopython's molecular_weight does (no 5' phosphate; double_stranded adds "
            + "the complementary strand). GC counts S as G/C and W as A/T and leaves other ambiguity codes out.",
    }));

    public static ResearchTool ReverseComplementTool { get; } = new(Category, AIFunctionFactory.Create(ReverseComplement, new AIFunctionFactoryOptions
    {
        Name = "reverse_complement",
        Description = "Reverse complement of a DNA or RNA sequence, IUPAC ambiguity codes included (R/Y, K/M, B/V, D/H "
            + "swap; S, W, N stay) and letter case preserved.",
    }));

    public static ResearchTool TranscribeTool { get; } = new(Category, AIFunctionFactory.Create(Transcribe, new AIFunctionFactoryOptions
    {
        Name = "transcribe",
        Description = "Transcribe a DNA coding (sense) strand into its mRNA: T becomes U, case preserved.",
    }));

    public static ResearchTool TranslateTool { get; } = new(Category, AIFunctionFactory.Create(Translate, new AIFunctionFactoryOptions
    {
        Name = "translate",
        Description = "Translate DNA or RNA into protein with an NCBI genetic code (1 standard, 2 vertebrate mitochondrial, "
            + "11 bacterial/plastid, ... 1-6, 9-16, 21-33). Stops are '*'; a codon with ambiguity codes is X unless all "
            + "its readings agree. to_stop ends at the first stop; cds checks a complete coding sequence (start codon of "
            + "the table read as M, whole codons, final stop, no internal stop). Bases after the last whole codon are "
            + "ignored and counted.",
    }));

    public static ResearchTool FindOrfsTool { get; } = new(Category, AIFunctionFactory.Create(FindOrfs, new AIFunctionFactoryOptions
    {
        Name = "find_orfs",
        Description = "Open reading frames in all six frames of a DNA or RNA sequence: from a start codon to the next "
            + "in-frame stop (or the end, flagged incomplete), only the longest ORF per stop codon. Gives strand, frame, "
            + "1-based inclusive start and end on the input's coordinates (also for the minus strand), length and protein; "
            + "longest first, at most 1000.",
    }));

    /// <summary>All seven sequence tools: the five here and <c>parse_fasta</c> and <c>parse_genbank</c>.</summary>
    public static IReadOnlyList<ResearchTool> All { get; } =
        [StatsTool, ReverseComplementTool, TranscribeTool, TranslateTool, FindOrfsTool, .. SequenceFileTools.All];

    private static SequenceStats Stats(
        [Description("The sequence; whitespace is ignored, case is not significant.")] string sequence,
        [Description("dna (default), rna or protein.")][AllowedValues("dna", "rna", "protein")] string molecule = "dna",
        [Description("DNA/RNA only: weigh both strands of a duplex (default false).")] bool double_stranded = false)
    {
        var kind = Sequences.ParseMolecule(molecule, nameof(molecule));
        var letters = Sequences.Clean(sequence, kind).ToUpperInvariant();
        if (double_stranded && kind == Molecule.Protein)
        {
            throw new ArgumentException("double_stranded applies to DNA and RNA only.", nameof(double_stranded));
        }

        var counts = letters.GroupBy(c => c).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key.ToString(), g => g.Count(), StringComparer.Ordinal);
        var weights = kind switch
        {
            Molecule.Dna => DnaWeights,
            Molecule.Rna => RnaWeights,
            _ => ProteinWeights,
        };
        double? weight = null;
        string? note = null;
        if (letters.All(weights.ContainsKey))
        {
            // Each residue's free mass, less one water per bond joining them (Biopython's formula, linear molecule).
            weight = letters.Sum(c => weights[c]) - ((letters.Length - 1) * Water);
            if (double_stranded)
            {
                var complement = Sequences.ReverseComplement(letters, kind);
                weight += complement.Sum(c => weights[c]) - ((complement.Length - 1) * Water);
            }
            weight = Math.Round(weight.Value, 4);
        }
        else
        {
            note = "No molecular weight: the sequence has letters without a single mass ("
                + string.Concat(letters.Where(c => !weights.ContainsKey(c)).Distinct().Order()) + ").";
        }
        var gc = kind == Molecule.Protein ? null : Sequences.GcFraction(letters);
        return new SequenceStats(Sequences.Name(kind), letters.Length, double_stranded, gc, counts, weight, note);
    }

    private static ComplementedSequence ReverseComplement(
        [Description("The DNA or RNA sequence; whitespace is ignored, IUPAC ambiguity codes allowed, case preserved.")] string sequence,
        [Description("dna (default) or rna: whether A pairs with T or with U.")][AllowedValues("dna", "rna")] string molecule = "dna")
    {
        var kind = Sequences.ParseMolecule(molecule, nameof(molecule), allowProtein: false);
        var cleaned = Sequences.Clean(sequence, kind);
        return new ComplementedSequence(Sequences.ReverseComplement(cleaned, kind), Sequences.Name(kind), cleaned.Length);
    }

    private static Transcript Transcribe(
        [Description("The DNA coding (sense) strand, 5' to 3'; whitespace is ignored, case preserved.")] string sequence)
    {
        var dna = Sequences.Clean(sequence, Molecule.Dna);
        return new Transcript(dna.Replace('T', 'U').Replace('t', 'u'), dna.Length);
    }

    private static Translation Translate(
        [Description("DNA or RNA, 5' to 3', starting at the first base of the first codon; whitespace is ignored.")] string sequence,
        [Description("NCBI genetic code number (default 1, standard): 1-6, 9-16 or 21-33.")] int table = 1,
        [Description("Stop at the first stop codon and leave it out (default false).")] bool to_stop = false,
        [Description("Require a complete coding sequence: start codon (read as M), whole codons, final stop, no internal stop (default false).")] bool cds = false)
    {
        var code = GeneticCodes.Get(table, nameof(table));
        var bases = Sequences.CleanNucleotides(sequence).ToUpperInvariant();
        if (cds)
        {
            var protein = TranslateCds(bases, code, nameof(sequence));
            return new Translation(protein, protein.Length, code.Id, code.Name, bases.Length / 3, 0);
        }

        var codons = bases.Length / 3;
        var text = new StringBuilder(codons);
        for (var i = 0; i < codons; i++)
        {
            var residue = TranslateCodon(code, bases, i * 3);
            if (to_stop && residue == '*')
            {
                break;
            }
            text.Append(residue);
        }
        return new Translation(text.ToString(), text.Length, code.Id, code.Name, codons, bases.Length % 3);
    }

    private static OrfSearch FindOrfs(
        [Description("DNA or RNA; whitespace is ignored, IUPAC ambiguity codes allowed.")] string sequence,
        [Description("NCBI genetic code number for stops (and starts with starts=table), default 1.")] int table = 1,
        [Description("Shortest protein to report, in amino acids without the stop (default 30).")] int min_protein_length = 30,
        [Description("atg (default): ORFs open at ATG only; table: at every start codon of the genetic code.")][AllowedValues("atg", "table")] string starts = "atg")
    {
        var opening = starts?.Trim().ToUpperInvariant() switch
        {
            "ATG" => OrfStarts.Atg,
            "TABLE" => OrfStarts.Table,
            _ => throw new ArgumentException($"starts must be atg or table, not '{starts}'.", nameof(starts)),
        };
        var code = GeneticCodes.Get(table, nameof(table));
        var bases = Sequences.CleanNucleotides(sequence).ToUpperInvariant();
        if (min_protein_length < 1 || min_protein_length > Sequences.MaxLength / 3)
        {
            throw new ArgumentOutOfRangeException(nameof(min_protein_length), min_protein_length,
                "min_protein_length must be a positive number of amino acids.");
        }

        var orfs = new List<Orf>();
        var reverse = Sequences.ReverseComplement(bases, Molecule.Dna);
        foreach (var (strand, text) in new[] { ("+", bases), ("-", reverse) })
        {
            for (var frame = 0; frame < 3; frame++)
            {
                ScanFrame(text, frame, strand, code, opening, min_protein_length, orfs);
            }
        }
        var listed = orfs.OrderByDescending(o => o.LengthNt).ThenBy(o => o.Strand, StringComparer.Ordinal)
            .ThenBy(o => o.Start).Take(MaxOrfs).ToList();
        return new OrfSearch(bases.Length, code.Id, opening == OrfStarts.Atg ? "atg" : "table", min_protein_length, orfs.Count,
            orfs.Count > MaxOrfs, listed);
    }

    /// <summary>
    /// One frame of one strand, read codon by codon: an ORF opens at the first start codon after the previous stop and
    /// closes at the next stop, so starts nested inside an open ORF are not reported separately (the longest ORF per
    /// stop codon). Only codons the table always reads as stops close an ORF.
    /// </summary>
    private static void ScanFrame(string text, int frame, string strand, GeneticCode code, OrfStarts starts, int minProtein, List<Orf> found)
    {
        var open = -1;
        var end = frame;
        for (var i = frame; i + 3 <= text.Length; i += 3)
        {
            end = i + 3;
            if (open < 0)
            {
                if (!IsStart(text, i, code, starts))
                {
                    continue;
                }
                open = i;
            }
            if (TranslateCodon(code, text, i) == '*')
            {
                Add(open, end, complete: true);
                open = -1;
            }
        }
        if (open >= 0)
        {
            Add(open, end, complete: false);
        }

        void Add(int from, int to, bool complete)
        {
            var codons = ((to - from) / 3) - (complete ? 1 : 0);
            if (codons < minProtein)
            {
                return;
            }
            var protein = new StringBuilder(codons).Append('M');
            for (var c = 1; c < codons; c++)
            {
                protein.Append(TranslateCodon(code, text, from + (c * 3)));
            }
            // The minus strand is the reverse complement: its half-open [from, to) is [n - to, n - from) forward.
            var (start, stop) = strand == "+" ? (from + 1, to) : (text.Length - to + 1, text.Length - from);
            found.Add(new Orf(strand, frame + 1, start, stop, to - from, complete,
                text.Substring(from, 3).Replace('U', 'T'), codons, protein.ToString()));
        }
    }

    private static bool IsStart(string text, int i, GeneticCode code, OrfStarts starts)
    {
        var codon = text.Substring(i, 3).Replace('U', 'T');
        return starts == OrfStarts.Atg ? codon == "ATG" : code.IsStart(codon);
    }

    /// <summary>Biopython's translate(cds=True) checks: a start of the table (read as M), whole codons, a final stop, no other stop.</summary>
    private static string TranslateCds(string bases, GeneticCode code, string parameterName)
    {
        if (bases.Length % 3 != 0)
        {
            throw new ArgumentException(
                $"sequence is not a complete coding sequence: its {bases.Length} bases are not a whole number of codons.", parameterName);
        }
        if (bases.Length < 6)
        {
            throw new ArgumentException("sequence is not a complete coding sequence: it needs at least a start and a stop codon.", parameterName);
        }
        var first = bases[..3].Replace('U', 'T');
        if (!code.IsStart(first))
        {
            throw new ArgumentException(
                $"sequence is not a complete coding sequence: the first codon {first} is not a start codon of table {code.Id} ({string.Join(", ", code.StartCodons)}).",
                parameterName);
        }
        var last = bases[^3..].Replace('U', 'T');
        if (TranslateCodon(code, bases, bases.Length - 3) != '*' && !code.ContextStops.Contains(last))
        {
            throw new ArgumentException(
                $"sequence is not a complete coding sequence: the final codon {last} is not a stop codon of table {code.Id}.", parameterName);
        }
        var protein = new StringBuilder(bases.Length / 3).Append('M');
        for (var i = 3; i < bases.Length - 3; i += 3)
        {
            var residue = TranslateCodon(code, bases, i);
            if (residue == '*')
            {
                throw new ArgumentException(
                    $"sequence is not a complete coding sequence: codon {(i / 3) + 1} ({bases.Substring(i, 3)}, bases {i + 1}-{i + 3}) is an in-frame stop.",
                    parameterName);
            }
            protein.Append(residue);
        }
        return protein.ToString();
    }

    /// <summary>
    /// The amino acid of the codon at <paramref name="i"/> (upper case). A codon with ambiguity codes reads as the
    /// amino acid (or stop) all its unambiguous readings share, X when they differ: TTR is L, but TTN is X.
    /// </summary>
    internal static char TranslateCodon(GeneticCode code, string bases, int i)
    {
        var index = GeneticCode.Index(bases[i], bases[i + 1], bases[i + 2]);
        if (index >= 0)
        {
            return code.AminoAcids[index];
        }
        var shared = '\0';
        foreach (var a in Sequences.Expand(bases[i]))
        {
            foreach (var b in Sequences.Expand(bases[i + 1]))
            {
                foreach (var c in Sequences.Expand(bases[i + 2]))
                {
                    var residue = code.AminoAcids[GeneticCode.Index(a, b, c)];
                    if (shared == '\0')
                    {
                        shared = residue;
                    }
                    else if (shared != residue)
                    {
                        return 'X';
                    }
                }
            }
        }
        return shared;
    }
}
