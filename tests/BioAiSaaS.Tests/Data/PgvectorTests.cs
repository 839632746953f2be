using BioAiSaaS.Tests.Infrastructure;
using Npgsql;
using Pgvector;

namespace BioAiSaaS.Tests.Data;

[Collection(StackCollection.Name)]
public sealed class PgvectorTests(StackFixture stack)
{
    [Fact]
    public async Task Migrated_database_has_the_vector_extension_and_a_vector_column_round_trips()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = new NpgsqlDataSourceBuilder(stack.DatabaseConnectionString);
        source.UseVector();
        await using var dataSource = source.Build();
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE embeddings (id int PRIMARY KEY, embedding vector(3))", connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        await using (var insert = new NpgsqlCommand("INSERT INTO embeddings VALUES (1, $1), (2, $2)", connection))
        {
            insert.Parameters.AddWithValue(new Vector(new float[] { 1, 0, 0 }));
            insert.Parameters.AddWithValue(new Vector(new float[] { 0.5f, 2.25f, -3 }));
            await insert.ExecuteNonQueryAsync(ct);
        }

        // The nearest neighbour of (0.4, 2, -3) by cosine distance is row 2, read back exactly.
        await using var query = new NpgsqlCommand(
            "SELECT id, embedding FROM embeddings ORDER BY embedding <=> $1 LIMIT 1", connection);
        query.Parameters.AddWithValue(new Vector(new float[] { 0.4f, 2, -3 }));
        await using var reader = await query.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));
        Assert.Equal(2, reader.GetInt32(0));
        Assert.Equal(new float[] { 0.5f, 2.25f, -3 }, reader.GetFieldValue<Vector>(1).ToArray());
    }
}
