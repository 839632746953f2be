namespace BioAiSaaS.Core.Data;

public static class DatabaseTime
{
    /// <summary>Now, at PostgreSQL's precision (microseconds): a row answered at once reads back the same later.</summary>
    public static DateTimeOffset UtcNow()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
