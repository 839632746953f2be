using System.Globalization;

/// <summary>
/// Deterministic biomedical sentences: enough vocabulary (genes, processes, cells, organisms, methods, numbers) that
/// 100,000 passages are distinct and spread like real ones rather than as a handful of templates.
/// </summary>
internal static class Corpus
{
    private static readonly string[] Genes =
    [
        "BRCA1", "BRCA2", "TP53", "PALB2", "ATM", "ATR", "CHEK1", "CHEK2", "PTEN", "KRAS", "NRAS", "HRAS", "BRAF", "EGFR",
        "ERBB2", "MYC", "MYCN", "CDK4", "CDK6", "CDKN2A", "RB1", "PIK3CA", "AKT1", "MTOR", "TSC2", "VHL", "HIF1A", "NOTCH1",
        "JAK2", "STAT3", "SOX2", "POU5F1", "NANOG", "KLF4", "GATA1", "RUNX1", "FLT3", "NPM1", "IDH1", "IDH2", "DNMT3A",
        "TET2", "EZH2", "KMT2A", "ARID1A", "SMARCA4", "CTNNB1", "APC", "SMAD4", "TGFBR2", "MLH1", "MSH2", "POLE", "RAD51",
        "XRCC1", "PARP1", "FANCD2", "BLM", "WRN", "LMNA", "DMD", "CFTR", "HBB", "HTT", "SNCA", "APP", "PSEN1", "MAPT",
        "SOD1", "FUS", "TARDBP", "LRRK2", "GBA", "INS", "GCK", "PPARG", "LEP", "MC4R", "APOE", "LDLR", "PCSK9", "ACE2",
        "TMPRSS2", "IL6", "TNF", "IFNG", "CD4", "CD8A", "FOXP3", "PDCD1", "CD274", "CTLA4", "B2M", "HLA-A", "NFKB1", "MAPK1",
    ];
    private static readonly string[] Verbs =
    [
        "phosphorylates", "binds", "represses", "activates", "stabilises", "degrades", "recruits", "ubiquitinates",
        "sequesters", "acetylates", "methylates", "cleaves", "transports", "inhibits", "co-localises with", "silences",
    ];
    private static readonly string[] Processes =
    [
        "homologous recombination", "non-homologous end joining", "mismatch repair", "the G1/S transition", "mitotic exit",
        "apoptosis", "autophagy", "ferroptosis", "glycolysis", "oxidative phosphorylation", "lipid droplet formation",
        "T-cell exhaustion", "antigen presentation", "the unfolded protein response", "ciliogenesis", "axon guidance",
        "synaptic vesicle release", "insulin secretion", "epithelial-mesenchymal transition", "angiogenesis",
        "stem-cell self-renewal", "X inactivation", "nonsense-mediated decay", "alternative splicing", "ribosome biogenesis",
        "replication fork restart", "telomere maintenance", "chromatin remodelling", "inflammasome assembly", "viral entry",
    ];
    private static readonly string[] Cells =
    [
        "HEK293T cells", "HeLa cells", "primary hepatocytes", "iPSC-derived neurons", "CD8+ T cells", "mouse embryonic fibroblasts",
        "MCF-7 cells", "A549 cells", "organoids from colon crypts", "zebrafish embryos", "yeast", "Drosophila wing discs",
        "K562 cells", "cardiomyocytes", "pancreatic beta cells", "microglia", "keratinocytes", "Arabidopsis roots",
    ];
    private static readonly string[] Methods =
    [
        "a CRISPR knockout screen", "RNA-seq", "ChIP-seq", "ATAC-seq", "single-cell RNA-seq", "mass spectrometry",
        "a luciferase reporter assay", "co-immunoprecipitation", "live-cell imaging", "cryo-EM", "a western blot",
        "qPCR with the delta-delta Ct method", "proximity ligation", "flow cytometry", "Hi-C", "ribosome profiling",
    ];
    private static readonly string[] Outcomes =
    [
        "loss of function sensitised cells to PARP inhibitors", "overexpression doubled the proliferation rate",
        "the mutant failed to localise to the nucleus", "knockdown reduced colony formation", "the effect vanished under hypoxia",
        "the interaction required an intact zinc finger", "the phenotype was rescued by the wild-type cDNA",
        "the variant was classified as likely pathogenic", "the signal peaked two hours after irradiation",
        "expression fell below detection in the knockout", "drug treatment reversed the transcriptional signature",
    ];

    public static string Passage(Random random)
    {
        var gene = Pick(random, Genes);
        var sentence = random.Next(4) switch
        {
            0 => $"{gene} {Pick(random, Verbs)} {Pick(random, Genes)} during {Pick(random, Processes)} in {Pick(random, Cells)}.",
            1 => $"Using {Pick(random, Methods)} in {Pick(random, Cells)}, we found that {gene} {Pick(random, Verbs)} {Pick(random, Genes)}; {Pick(random, Outcomes)}.",
            2 => $"In {Pick(random, Cells)}, {Pick(random, Outcomes)} when {gene} was deleted, implicating it in {Pick(random, Processes)}.",
            _ => $"{Pick(random, Methods)} showed {gene} at {random.NextDouble() * 9 + 0.5:F1}-fold in {Pick(random, Cells)} during {Pick(random, Processes)}.",
        };
        return char.ToUpperInvariant(sentence[0]) + sentence[1..];
    }

    /// <summary>Questions a researcher would ask, worded unlike the passages.</summary>
    public static string Query(Random random) => random.Next(3) switch
    {
        0 => $"Which proteins does {Pick(random, Genes)} act on in {Pick(random, Processes)}?",
        1 => $"evidence that {Pick(random, Genes)} is needed for {Pick(random, Processes)} from {Pick(random, Methods)}",
        _ => $"what happens to {Pick(random, Cells)} without {Pick(random, Genes)}",
    };

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
