using System.Net;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Runs;
using BioAiSaaS.Core.Sandbox;
using BioAiSaaS.Core.Tenancy;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BioAiSaaS.Tests.Accounts;

/// <summary>
/// The two walls: handlers scope every query to the caller (other tenants' ids are 404), and PostgreSQL's
/// row-level security filters what the services' own login can see or change even when a handler forgets.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TenantIsolationTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Another_users_run_is_not_found_and_absent_from_my_list()
    {
        var alice = await AccountsClient.CreateVerifiedUserAsync(stack, "alice");
        var bob = await AccountsClient.CreateVerifiedUserAsync(stack, "bob");
        using var aliceApi = stack.CreateApiClient(alice.Tokens.AccessToken);
        using var bobApi = stack.CreateApiClient(bob.Tokens.AccessToken);
        var (_, bobsRun) = await bobApi.SubmitAsync("print('bob')");

        await (await aliceApi.GetAsync($"/api/runs/{bobsRun.Id}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        var mine = await (await aliceApi.GetAsync("/api/runs", Ct)).ReadAsync<List<RunResponse>>();
        Assert.DoesNotContain(mine, r => r.Id == bobsRun.Id);
        Assert.Contains(await (await bobApi.GetAsync("/api/runs", Ct)).ReadAsync<List<RunResponse>>(), r => r.Id == bobsRun.Id);
    }

    [Fact]
    public async Task Raw_sql_on_the_services_login_as_user_a_cannot_see_or_change_user_bs_rows()
    {
        var (alice, bob, bobsRun) = await TwoUsersWithARunAsync();
        await using var connection = new NpgsqlConnection(await stack.GetApplicationConnectionStringAsync());
        await connection.OpenAsync(Ct);
        await ScalarAsync(connection, "SELECT set_config('app.user_id', $1, false)", alice.ToString());

        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM runs WHERE id = $1", bobsRun));
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM runs WHERE owner_id = $1", bob));
        Assert.Equal(0, await ExecuteAsync(connection, "UPDATE runs SET code = 'print(\"pwned\")' WHERE id = $1", bobsRun));
        Assert.Equal(0, await ExecuteAsync(connection, "DELETE FROM runs WHERE id = $1", bobsRun));
        // Writing a row owned by someone else fails the policy's WITH CHECK.
        var insert = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, """
            INSERT INTO runs (id, owner_id, language, code, timeout_seconds, status, created_at, attempt)
            VALUES (gen_random_uuid(), $1, 'Python', 'print(1)', 5, 'Queued', now(), 0)
            """, bob));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        var steal = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
            "UPDATE runs SET owner_id = $1 WHERE owner_id = $2", bob, alice));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, steal.SqlState);

        // Unchanged, as the owner (who bypasses the policies) sees it.
        await using var db = stack.CreateDbContext();
        var stored = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == bobsRun, Ct);
        Assert.Equal("print('b')", stored.Code);
        Assert.Equal(bob, stored.OwnerId);
    }

    [Fact]
    public async Task Without_a_current_user_the_services_login_sees_no_tenant_rows_at_all()
    {
        await TwoUsersWithARunAsync();
        await using var connection = new NpgsqlConnection(await stack.GetApplicationConnectionStringAsync());
        await connection.OpenAsync(Ct);

        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM runs"));
        await ScalarAsync(connection, "SELECT set_config('app.user_id', 'not-a-uuid-or-empty', false)");
        await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT count(*) FROM runs"));
    }

    [Fact]
    public async Task The_applications_own_context_as_user_a_is_filtered_even_without_an_owner_check()
    {
        var (alice, bob, bobsRun) = await TwoUsersWithARunAsync();
        var tenant = new CurrentTenant();
        await using var db = await stack.CreateTenantDbContextAsync(alice, tenant);

        // A handler that "forgot" the owner filter still gets only Alice's rows.
        Assert.Null(await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == bobsRun, Ct));
        Assert.All(await db.Runs.AsNoTracking().ToListAsync(Ct), r => Assert.Equal(alice, r.OwnerId));
        Assert.Equal(0, await db.Runs.Where(r => r.OwnerId == bob).ExecuteDeleteAsync(Ct));
        Assert.Throws<InvalidOperationException>(() => tenant.Set(bob));
    }

    [Fact]
    public async Task The_services_login_owns_nothing_and_cannot_change_the_schema_or_read_the_migration_history()
    {
        await using var connection = new NpgsqlConnection(await stack.GetApplicationConnectionStringAsync());
        await connection.OpenAsync(Ct);

        var drop = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "DROP TABLE runs"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, drop.SqlState);
        var policy = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "ALTER TABLE runs DISABLE ROW LEVEL SECURITY"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, policy.SqlState);
        var history = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, "SELECT count(*) FROM \"__EFMigrationsHistory\""));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, history.SqlState);
        Assert.Equal(false, await ScalarAsync(connection, "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user"));
    }

    private async Task<(Guid Alice, Guid Bob, Guid BobsRun)> TwoUsersWithARunAsync()
    {
        var alice = await AccountsClient.CreateVerifiedUserAsync(stack, "rls-alice");
        var bob = await AccountsClient.CreateVerifiedUserAsync(stack, "rls-bob");
        await using var db = stack.CreateDbContext();
        Run Make(Guid owner, string code) => new()
        {
            Id = Guid.CreateVersion7(), OwnerId = owner, Language = SandboxLanguage.Python, Code = code, TimeoutSeconds = 5,
            // Finished already, so the live worker and sweeper leave them be.
            Status = RunStatus.Succeeded, CreatedAt = DateTimeOffset.UtcNow, DispatchedAt = DateTimeOffset.UtcNow,
        };
        var bobsRun = Make(bob.Id, "print('b')");
        db.Runs.AddRange(Make(alice.Id, "print('a')"), bobsRun);
        await db.SaveChangesAsync(Ct);
        return (alice.Id, bob.Id, bobsRun.Id);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync(Ct);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(Ct);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        return command;
    }
}
