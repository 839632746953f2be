using BioAiSaaS.Core.Queue;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Tests.Infrastructure;
using BioAiSaaS.Worker.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Runs;

/// <summary>The claim/lease/fence state machine, against the real PostgreSQL.</summary>
[Collection(StackCollection.Name)]
public sealed class RunStoreTests(StackFixture stack)
{
    private static readonly ExecutionResult Ok = new(true, 0, "ok\n", "", false, false, 5, null);

    [Fact]
    public async Task Only_one_worker_can_claim_a_queued_run()
    {
        var runId = await InsertQueuedRunAsync();
        await using var a = stack.CreateDbContext();
        await using var b = stack.CreateDbContext();

        var claims = await Task.WhenAll(
            new RunStore(a).TryClaimAsync(runId, "worker-a", TimeSpan.FromMinutes(1), Ct),
            new RunStore(b).TryClaimAsync(runId, "worker-b", TimeSpan.FromMinutes(1), Ct));

        Assert.Single(claims, c => c is not null);
        Assert.Equal(1, claims.Single(c => c is not null)!.Attempt);
    }

    [Fact]
    public async Task A_lapsed_lease_is_claimed_again_and_the_stale_worker_cannot_store_its_result()
    {
        var runId = await InsertQueuedRunAsync();
        await using var a = stack.CreateDbContext();
        await using var b = stack.CreateDbContext();
        var stale = await new RunStore(a).TryClaimAsync(runId, "worker-a", TimeSpan.FromMilliseconds(200), Ct);
        await Task.Delay(400, Ct);

        var fresh = await new RunStore(b).TryClaimAsync(runId, "worker-b", TimeSpan.FromMinutes(1), Ct);

        Assert.NotNull(stale);
        Assert.NotNull(fresh);
        Assert.Equal(2, fresh.Attempt);
        Assert.False(await new RunStore(a).RenewAsync(stale, TimeSpan.FromMinutes(1), Ct));
        Assert.False(await new RunStore(a).CompleteAsync(stale, Ok with { Stdout = "stale\n" }, Ct));
        Assert.True(await new RunStore(b).CompleteAsync(fresh, Ok, Ct));
        Assert.False(await new RunStore(b).CompleteAsync(fresh, Ok with { Stdout = "twice\n" }, Ct));

        await using var check = stack.CreateDbContext();
        var run = await check.Runs.AsNoTracking().SingleAsync(r => r.Id == runId.RunId, Ct);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("ok\n", run.Outcome!.Stdout);
        Assert.Equal("worker-b", run.WorkerId);
    }

    [Fact]
    public async Task A_live_lease_cannot_be_claimed_by_another_worker()
    {
        var runId = await InsertQueuedRunAsync();
        await using var a = stack.CreateDbContext();
        await using var b = stack.CreateDbContext();

        Assert.NotNull(await new RunStore(a).TryClaimAsync(runId, "worker-a", TimeSpan.FromMinutes(1), Ct));
        Assert.Null(await new RunStore(b).TryClaimAsync(runId, "worker-b", TimeSpan.FromMinutes(1), Ct));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<QueuedRun> InsertQueuedRunAsync()
    {
        await using var db = stack.CreateDbContext();
        var run = new Run
        {
            Id = Guid.CreateVersion7(),
            OwnerId = stack.DefaultUser.Id,
            Language = SandboxLanguage.Python,
            Code = "print('ok')",
            TimeoutSeconds = 5,
            Status = RunStatus.Queued,
            CreatedAt = DateTimeOffset.UtcNow,
            // Marked dispatched so the live stack's sweeper leaves these hand-driven runs alone.
            DispatchedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync(Ct);
        return new QueuedRun(run.Id, run.OwnerId);
    }
}
