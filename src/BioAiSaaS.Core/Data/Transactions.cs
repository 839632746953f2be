using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Data;

public static class Transactions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction, retried whole by the context's execution strategy if the
    /// connection drops (so the work must start from what it reads, which is why the change tracker starts empty).
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this BioDbContext db, Func<Task<T>> work, CancellationToken cancellationToken) =>
        db.InTransactionAsync(work, static _ => true, cancellationToken);

    /// <summary>
    /// As above, committing only when <paramref name="commit"/> accepts the result: otherwise the transaction rolls back
    /// and nothing the work did is kept (a refused upgrade, a run the user may not start).
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this BioDbContext db, Func<Task<T>> work, Func<T, bool> commit,
        CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await work();
            if (commit(result))
            {
                await transaction.CommitAsync(ct);
            }
            return result;
        }, cancellationToken);
}
