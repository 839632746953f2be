using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>
/// One partial HNSW index per embedding model, over a cast of the untyped column to the model's dimension: the
/// search statement names the model, so the planner uses that model's index alone. The first model's index comes
/// with the migrations; the migration service (the tables' owner) creates the index of any other configured model
/// before the services start, while that model has no vectors yet, so building it is a scan that finds nothing.
/// </summary>
public static class EmbeddingIndexes
{
    /// <summary>The HNSW graph's parameters: docs/benchmarks.md (knowledge index) has the measurements behind them.</summary>
    public const int M = 16;
    public const int EfConstruction = 64;

    /// <summary>Creates the missing indexes; returns the names it created.</summary>
    public static async Task<List<string>> EnsureAsync(BioDbContext db, EmbeddingModels models, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        foreach (var model in models.All)
        {
            // An index is found by what it indexes (its predicate), not by its name, so the migration's own counts.
            var predicate = $"((model)::text = '{model.Name.Replace("'", "''", StringComparison.Ordinal)}'::text)";
            var exists = await db.Database.SqlQuery<bool>($"""
                SELECT EXISTS (SELECT 1 FROM pg_index i
                               WHERE i.indrelid = 'chunk_embeddings'::regclass
                                 AND pg_get_expr(i.indpred, i.indrelid) = {predicate}) AS "Value"
                """).SingleAsync(cancellationToken);
            if (exists)
            {
                continue;
            }
            var name = "ix_chunk_embeddings_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model.Name)))[..16];
            var literal = "'" + model.Name.Replace("'", "''", StringComparison.Ordinal) + "'";
            // Identifiers and the literal are built from validated configuration, not user input.
#pragma warning disable EF1002
            await db.Database.ExecuteSqlRawAsync(string.Create(CultureInfo.InvariantCulture, $"""
                CREATE INDEX IF NOT EXISTS {name} ON chunk_embeddings
                    USING hnsw ((embedding::vector({model.Dimensions})) vector_cosine_ops) WITH (m = {M}, ef_construction = {EfConstruction})
                    WHERE model = {literal}
                """), cancellationToken);
#pragma warning restore EF1002
            created.Add(name);
        }
        return created;
    }
}
