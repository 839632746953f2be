using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json.Serialization;

namespace BioAiSaaS.Core.Tools.Bio;

/// <summary>The expression host a coding sequence is optimised for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CodonHost>))]
public enum CodonHost
{
    /// <summary>Escherichia coli K-12.</summary>
    [JsonStringEnumMemberName("e_coli")] EColi,
    /// <summary>Saccharomyces cerevisiae (baker's yeast).</summary>
    [JsonStringEnumMemberName("s_cerevisiae")] SCerevisiae,
    /// <summary>Homo sapiens.</summary>
    [JsonStringEnumMemberName("h_sapiens")] HSapiens,
}

/// <summary>
/// Codon usage per host: how often each of the 64 codons occurs per 1000 codons of the host's protein-coding genes.
/// </summary>
/// <remarks>
/// Provenance: the Kazusa Codon Usage Database (Nakamura, Gojobori &amp; Ikemura 2000, Nucleic Acids Res 28:292;
/// www.kazusa.or.jp/codon), entries "Escherichia coli K12 [gbbct]" (taxon 83333), "Saccharomyces cerevisiae [gbpln]"
/// (taxon 4932) and "Homo sapiens [gbpri]" (taxon 9606), frequencies per thousand rounded to 0.1. The numbers were
/// transcribed for this tool, not downloaded, and were not checked digit by digit against the live site: treat them as
/// approximate: each table sums to 1000 within a few per thousand, and the well-known preferences hold (CTG for Leu
/// in E. coli and human, TTG for Leu and AGA for Arg in yeast), but close calls between synonymous codons may differ
/// from the live tables by a rank.
/// </remarks>
public static class CodonUsage
{
    // Kazusa's layout: four rows of four codons per block, first base T, C, A, G; the numbers are per thousand codons.
    private const string EColiK12 = """
        TTT 22.1 TCT  8.5 TAT 16.2 TGT  5.1
        TTC 16.0 TCC  8.6 TAC 12.2 TGC  6.4
        TTA 13.9 TCA  7.2 TAA  2.0 TGA  0.9
        TTG 13.7 TCG  8.9 TAG  0.2 TGG 15.2
        CTT 11.0 CCT  7.0 CAT 12.9 CGT 20.9
        CTC 11.0 CCC  5.5 CAC  9.7 CGC 22.0
        CTA  3.9 CCA  8.4 CAA 15.3 CGA  3.6
        CTG 52.6 CCG 23.2 CAG 28.8 CGG  5.4
        ATT 30.3 ACT  8.9 AAT 17.7 AGT  8.8
        ATC 25.1 ACC 23.4 AAC 21.7 AGC 16.1
        ATA  4.4 ACA  7.1 AAA 33.6 AGA  2.1
        ATG 27.8 ACG 14.4 AAG 10.3 AGG  1.2
        GTT 18.3 GCT 15.3 GAT 32.1 GGT 24.9
        GTC 15.3 GCC 25.5 GAC 19.1 GGC 29.4
        GTA 10.9 GCA 20.3 GAA 39.4 GGA  8.0
        GTG 26.3 GCG 33.6 GAG 17.8 GGG 11.1
        """;

    private const string SCerevisiae = """
        TTT 26.1 TCT 23.5 TAT 18.8 TGT  8.1
        TTC 18.4 TCC 14.2 TAC 14.8 TGC  4.8
        TTA 26.2 TCA 18.7 TAA  1.1 TGA  0.7
        TTG 27.2 TCG  8.6 TAG  0.5 TGG 10.4
        CTT 12.3 CCT 13.5 CAT 13.6 CGT  6.4
        CTC  5.4 CCC  6.8 CAC  7.8 CGC  2.6
        CTA 13.4 CCA 18.3 CAA 27.3 CGA  3.0
        CTG 10.5 CCG  5.3 CAG 12.1 CGG  1.7
        ATT 30.1 ACT 20.3 AAT 35.7 AGT 14.2
        ATC 17.2 ACC 12.7 AAC 24.8 AGC  9.8
        ATA 17.8 ACA 17.8 AAA 41.9 AGA 21.3
        ATG 20.9 ACG  8.0 AAG 30.8 AGG  9.2
        GTT 22.1 GCT 21.2 GAT 37.6 GGT 23.9
        GTC 11.8 GCC 12.6 GAC 20.2 GGC  9.8
        GTA 11.8 GCA 16.2 GAA 45.6 GGA 10.9
        GTG 10.8 GCG  6.2 GAG 19.2 GGG  6.0
        """;

    private const string HSapiens = """
        TTT 17.6 TCT 15.2 TAT 12.2 TGT 10.6
        TTC 20.3 TCC 17.7 TAC 15.3 TGC 12.6
        TTA  7.7 TCA 12.2 TAA  1.0 TGA  1.6
        TTG 12.9 TCG  4.4 TAG  0.8 TGG 13.2
        CTT 13.2 CCT 17.5 CAT 10.9 CGT  4.5
        CTC 19.6 CCC 19.8 CAC 15.1 CGC 10.4
        CTA  7.2 CCA 16.9 CAA 12.3 CGA  6.2
        CTG 39.6 CCG  6.9 CAG 34.2 CGG 11.4
        ATT 16.0 ACT 13.1 AAT 17.0 AGT 12.1
        ATC 20.8 ACC 18.9 AAC 19.1 AGC 19.5
        ATA  7.5 ACA 15.1 AAA 24.4 AGA 12.2
        ATG 22.0 ACG  6.1 AAG 31.9 AGG 12.0
        GTT 11.0 GCT 18.4 GAT 21.8 GGT 10.8
        GTC 14.5 GCC 27.7 GAC 25.1 GGC 22.2
        GTA  7.1 GCA 15.8 GAA 29.0 GGA 16.5
        GTG 28.1 GCG  7.4 GAG 39.6 GGG 16.5
        """;

    private static readonly FrozenDictionary<CodonHost, FrozenDictionary<string, double>> Tables =
        new Dictionary<CodonHost, FrozenDictionary<string, double>>
        {
            [CodonHost.EColi] = Parse(EColiK12),
            [CodonHost.SCerevisiae] = Parse(SCerevisiae),
            [CodonHost.HSapiens] = Parse(HSapiens),
        }.ToFrozenDictionary();

    /// <summary>The host's 64 codons (DNA letters) and their frequency per thousand codons.</summary>
    public static IReadOnlyDictionary<string, double> PerThousand(CodonHost host) => Tables[host];

    /// <summary>Where the host's table comes from, for the result a user reads.</summary>
    public static string Source(CodonHost host) => host switch
    {
        CodonHost.EColi => "Kazusa Codon Usage Database, Escherichia coli K12 [gbbct] (approximate transcription)",
        CodonHost.SCerevisiae => "Kazusa Codon Usage Database, Saccharomyces cerevisiae [gbpln] (approximate transcription)",
        _ => "Kazusa Codon Usage Database, Homo sapiens [gbpri] (approximate transcription)",
    };

    private static FrozenDictionary<string, double> Parse(string table)
    {
        var cells = table.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var frequencies = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var k = 0; k + 1 < cells.Length; k += 2)
        {
            frequencies.Add(cells[k], double.Parse(cells[k + 1], CultureInfo.InvariantCulture));
        }
        if (frequencies.Count != 64)
        {
            throw new InvalidOperationException($"A codon usage table has {frequencies.Count} codons, not 64.");
        }
        return frequencies.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
