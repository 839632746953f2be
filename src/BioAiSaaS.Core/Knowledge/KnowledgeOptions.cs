namespace BioAiSaaS.Core.Knowledge;

/// <summary>The <c>Knowledge</c> section: read by the Api's library search and by the agent's <c>search_knowledge</c> tool.</summary>
public sealed class KnowledgeOptions
{
    public const string Section = "Knowledge";

    /// <summary>Commercial mode: library sources whose licence forbids commercial use are hidden.</summary>
    public bool CommercialMode { get; set; }
}
