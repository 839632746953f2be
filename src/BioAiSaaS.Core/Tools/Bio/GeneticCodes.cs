using System.Collections.Frozen;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>
/// One NCBI translation table: the amino acid of each of the 64 codons and which codons may start translation, both
/// as 64-letter strings in NCBI's order (first base outermost, third innermost, each cycling T, C, A, G).
/// </summary>
/// <param name="Id">The NCBI <c>transl_table</c> number.</param>
/// <param name="Name">NCBI's name for the table.</param>
/// <param name="AminoAcids">NCBI's "AAs" line: one-letter amino acid per codon, <c>*</c> for a stop.</param>
/// <param name="Starts">NCBI's "Starts" line reduced to <c>M</c> (may start) and <c>-</c>.</param>
/// <param name="ContextStops">
/// Codons the table translates as an amino acid but that also end genes (NCBI marks them <c>*</c> in the Starts line of
/// tables 27, 28 and 31); a coding sequence may end with one.
/// </param>
public sealed record GeneticCode(int Id, string Name, string AminoAcids, string Starts, IReadOnlyList<string> ContextStops)
{
    /// <summary>The codon's position in NCBI order, or -1 if it has a letter other than A, C, G, T (or U).</summary>
    public static int Index(char first, char second, char third)
    {
        var a = BaseIndex(first);
        var b = BaseIndex(second);
        var c = BaseIndex(third);
        return a < 0 || b < 0 || c < 0 ? -1 : (a * 16) + (b * 4) + c;
    }

    /// <summary>The amino acid of an unambiguous codon (upper case, T or U).</summary>
    public char Translate(string codon) => AminoAcids[Index(codon[0], codon[1], codon[2])];

    public bool IsStart(string codon)
    {
        var index = Index(codon[0], codon[1], codon[2]);
        return index >= 0 && Starts[index] == 'M';
    }

    /// <summary>The start codons, as NCBI lists them (DNA letters).</summary>
    public IReadOnlyList<string> StartCodons => [.. Enumerable.Range(0, 64).Where(i => Starts[i] == 'M').Select(GeneticCodes.Codon)];

    /// <summary>The codons that always stop translation (<c>*</c> in the AAs line).</summary>
    public IReadOnlyList<string> StopCodons => [.. Enumerable.Range(0, 64).Where(i => AminoAcids[i] == '*').Select(GeneticCodes.Codon)];

    private static int BaseIndex(char b) => b switch
    {
        'T' or 'U' => 0,
        'C' => 1,
        'A' => 2,
        'G' => 3,
        _ => -1,
    };
}

/// <summary>
/// The NCBI genetic codes (https://www.ncbi.nlm.nih.gov/Taxonomy/Utils/wprintgc.cgi): tables 1-6, 9-16 and 21-33;
/// 7, 8 and 17-20 are retired numbers NCBI no longer defines.
/// </summary>
public static class GeneticCodes
{
    private const string Bases = "TCAG";

    public static FrozenDictionary<int, GeneticCode> ById { get; } = new GeneticCode[]
    {
        new(1, "Standard",
            "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "---M---------------M---------------M----------------------------", []),
        new(2, "Vertebrate Mitochondrial",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNKKSS**VVVVAAAADDEEGGGG",
            "--------------------------------MMMM---------------M------------", []),
        new(3, "Yeast Mitochondrial",
            "FFLLSSSSYY**CCWWTTTTPPPPHHQQRRRRIIMMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "----------------------------------MM---------------M------------", []),
        new(4, "Mold, Protozoan, and Coelenterate Mitochondrial and Mycoplasma/Spiroplasma",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "--MM---------------M------------MMMM---------------M------------", []),
        new(5, "Invertebrate Mitochondrial",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNKKSSSSVVVVAAAADDEEGGGG",
            "---M----------------------------MMMM---------------M------------", []),
        new(6, "Ciliate, Dasycladacean and Hexamita Nuclear",
            "FFLLSSSSYYQQCC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(9, "Echinoderm and Flatworm Mitochondrial",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIIMTTTTNNNKSSSSVVVVAAAADDEEGGGG",
            "-----------------------------------M---------------M------------", []),
        new(10, "Euplotid Nuclear",
            "FFLLSSSSYY**CCCWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(11, "Bacterial, Archaeal and Plant Plastid",
            "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "---M---------------M------------MMMM---------------M------------", []),
        new(12, "Alternative Yeast Nuclear",
            "FFLLSSSSYY**CC*WLLLSPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-------------------M---------------M----------------------------", []),
        new(13, "Ascidian Mitochondrial",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNKKSSGGVVVVAAAADDEEGGGG",
            "---M------------------------------MM---------------M------------", []),
        new(14, "Alternative Flatworm Mitochondrial",
            "FFLLSSSSYYY*CCWWLLLLPPPPHHQQRRRRIIIMTTTTNNNKSSSSVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(15, "Blepharisma Macronuclear",
            "FFLLSSSSYY*QCC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(16, "Chlorophycean Mitochondrial",
            "FFLLSSSSYY*LCC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(21, "Trematode Mitochondrial",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIMMTTTTNNNKSSSSVVVVAAAADDEEGGGG",
            "-----------------------------------M---------------M------------", []),
        new(22, "Scenedesmus obliquus Mitochondrial",
            "FFLLSS*SYY*LCC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(23, "Thraustochytrium Mitochondrial",
            "FF*LSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "--------------------------------M--M---------------M------------", []),
        new(24, "Rhabdopleuridae Mitochondrial",
            "FFLLSSSSYY**CCWWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSSKVVVVAAAADDEEGGGG",
            "---M---------------M---------------M---------------M------------", []),
        new(25, "Candidate Division SR1 and Gracilibacteria",
            "FFLLSSSSYY**CCGWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "---M-------------------------------M---------------M------------", []),
        new(26, "Pachysolen tannophilus Nuclear",
            "FFLLSSSSYY**CC*WLLLAPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-------------------M---------------M----------------------------", []),
        new(27, "Karyorelict Nuclear",
            "FFLLSSSSYYQQCCWWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", ["TGA"]),
        new(28, "Condylostoma Nuclear",
            "FFLLSSSSYYQQCCWWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", ["TAA", "TAG", "TGA"]),
        new(29, "Mesodinium Nuclear",
            "FFLLSSSSYYYYCC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(30, "Peritrich Nuclear",
            "FFLLSSSSYYEECC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", []),
        new(31, "Blastocrithidia Nuclear",
            "FFLLSSSSYYEECCWWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "-----------------------------------M----------------------------", ["TAA", "TAG"]),
        new(32, "Balanophoraceae Plastid",
            "FFLLSSSSYY*WCC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
            "---M---------------M------------MMMM---------------M------------", []),
        new(33, "Cephalodiscidae Mitochondrial UAA-Tyr",
            "FFLLSSSSYYY*CCWWLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSSKVVVVAAAADDEEGGGG",
            "---M---------------M---------------M---------------M------------", []),
    }.ToFrozenDictionary(code => code.Id);

    /// <summary>The table, or an <see cref="ArgumentOutOfRangeException"/> naming the parameter that asked for it.</summary>
    public static GeneticCode Get(int table, string parameterName = "table") =>
        ById.TryGetValue(table, out var code)
            ? code
            : throw new ArgumentOutOfRangeException(parameterName, table,
                $"{parameterName} must be an NCBI genetic code: {string.Join(", ", ById.Keys.Order())}.");

    /// <summary>The codon at a position in NCBI order, in DNA letters.</summary>
    public static string Codon(int index) =>
        string.Concat(Bases[index / 16], Bases[index / 4 % 4], Bases[index % 4]);
}
