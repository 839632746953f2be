namespace BioAiSaaS.Api.Billing;

/// <summary>
/// A range of calendar days in Beijing time (UTC+8, no daylight saving, so a fixed offset is its calendar), as billing
/// reports take it: <c>from</c> and <c>to</c> inclusive, the last 30 days by default, at most 366.
/// </summary>
public sealed record BeijingDays(DateOnly First, DateOnly Last)
{
    public const int MaxDays = 366;
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public DateTimeOffset Start => new DateTimeOffset(First.ToDateTime(TimeOnly.MinValue), Offset).ToUniversalTime();

    /// <summary>The instant after the last day.</summary>
    public DateTimeOffset End => new DateTimeOffset(Last.AddDays(1).ToDateTime(TimeOnly.MinValue), Offset).ToUniversalTime();

    public static DateOnly Today => DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(Offset).DateTime);

    /// <summary>The range asked for, or null when <c>from</c> is after <c>to</c> or it spans more than <see cref="MaxDays"/>.</summary>
    public static BeijingDays? From(DateOnly? from, DateOnly? to)
    {
        var last = to ?? Today;
        var first = from ?? last.AddDays(-29);
        return first > last || last.DayNumber - first.DayNumber >= MaxDays ? null : new BeijingDays(first, last);
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem Problem() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["from"] = [$"from must not be after to, and the range at most {MaxDays} days."] });
}
