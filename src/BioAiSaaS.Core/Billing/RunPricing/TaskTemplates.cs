namespace BioAiSaaS.Core.Billing.RunPricing;

/// <summary>The templates the RunBilling migration seeds (its SQL is the source; these name them for code and tests).</summary>
public static class TaskTemplateCodes
{
    /// <summary>The seed's outcome-priced task: ¥50 per successful CRISPR screen design.</summary>
    public const string CrisprScreenDesign = "crispr-screen-design";
    public const long CrisprScreenDesignFeeFen = 5_000;

    /// <summary>A token-priced example: sequence analysis, charged by tokens and sandbox time.</summary>
    public const string SequenceAnalysis = "sequence-analysis";
}
