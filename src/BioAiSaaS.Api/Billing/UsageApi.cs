using BioAiSaaS.Api.Auth;
using BioAiSaaS.Core.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Api.Billing;

/// <summary>One line of metered usage: a kind (tokens of a model, sandbox seconds) on a day (Beijing time) in a project.</summary>
public sealed record UsageLine(DateOnly Day, Guid? ProjectId, string Kind, string? Model, string RateCard, decimal Quantity, long Events);

/// <summary>What the caller used, as metered for billing: the usage events the worker wrote, summed per day, project,
/// kind, model and rate card.</summary>
public sealed record UsageReport(DateOnly From, DateOnly To, IReadOnlyList<UsageLine> Lines);

public static class UsageApi
{

    /// <summary>A row as PostgreSQL sums it.</summary>
    private sealed class UsageRow
    {
        public DateOnly Day { get; init; }
        public Guid? ProjectId { get; init; }
        public required string Kind { get; init; }
        public string? Model { get; init; }
        public required string RateCard { get; init; }
        public decimal Quantity { get; init; }
        public long Events { get; init; }
    }

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/billing/usage", GetAsync)
            .WithTags("Billing").WithName("GetUsage")
            .WithSummary("The caller's metered usage per day, project, kind and model")
            .WithDescription("Days are calendar days in Beijing time (UTC+8), from and to inclusive (default: the last 30 days, at most 366). Optional projectId narrows it to one project.")
            .RequireAuthorization(Policies.RunsRead)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<Results<Ok<UsageReport>, ValidationProblem>> GetAsync(DateOnly? from, DateOnly? to, Guid? projectId,
        HttpContext context, BioDbContext db, CancellationToken cancellationToken)
    {
        if (BeijingDays.From(from, to) is not { } days)
        {
            return BeijingDays.Problem();
        }
        var owner = context.User.RequiredUserId();
        // The database sums, so a year of events stays cheap.
        var (start, end) = (days.Start, days.End);
        var rows = await db.Database.SqlQuery<UsageRow>($"""
            SELECT (created_at AT TIME ZONE 'Asia/Shanghai')::date AS day, project_id, kind, model, rate_card,
                   sum(quantity) AS quantity, count(*) AS events
              FROM usage_events
             WHERE owner_id = {owner} AND created_at >= {start} AND created_at < {end}
               AND ({projectId}::uuid IS NULL OR project_id = {projectId})
             GROUP BY 1, 2, 3, 4, 5
             ORDER BY 1, 2, 3, 4
            """).ToListAsync(cancellationToken);
        var lines = rows.Select(r => new UsageLine(r.Day, r.ProjectId, r.Kind, r.Model, r.RateCard, r.Quantity, r.Events)).ToList();
        return TypedResults.Ok(new UsageReport(days.First, days.Last, lines));
    }
}
