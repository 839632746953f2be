using System.Globalization;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BioAiSaaS.Core.Knowledge;

/// <summary>Which ranking a search uses. Hybrid is the product's; the single legs exist to measure and explain it.</summary>
public enum SearchMode
{
    Hybrid,
    Vector,
    Text,
}

/// <param name="Text">What to look for: words, symbols, accessions, a question.</param>
/// <param name="K">How many passages to return (1 to <see cref="KnowledgeSearch.MaxK"/>).</param>
/// <param name="ProjectId">The project whose documents are searched; null searches the built-in library.</param>
/// <param name="Kinds">Only documents of these kinds, when given.</param>
/// <param name="CommercialOnly">Hide sources whose licence forbids commercial use ("commercial mode").</param>
/// <param name="Mode">Hybrid (the product's), or one leg alone.</param>
public sealed record KnowledgeQuery(string Text, int K = 10, Guid? ProjectId = null, IReadOnlyList<string>? Kinds = null,
    bool CommercialOnly = false, SearchMode Mode = SearchMode.Hybrid);

/// <summary>
/// A ranked passage with what a citation needs. The snippet marks the query's terms in Markdown bold; the ranks
/// say which leg found it (null: that leg did not).
/// </summary>
public sealed record Passage(
    long ChunkId,
    Guid DocumentId,
    string Title,
    string Kind,
    string? Location,
    string Snippet,
    double Score,
    int? VectorRank,
    int? TextRank,
    string? Source,
    string? Licence);

/// <summary>
/// Hybrid retrieval in one SQL statement: the nearest chunks by cosine distance (pgvector HNSW) and the best
/// full-text matches (tsvector, GIN), each up to <see cref="CandidatesPerLeg"/>, fused by reciprocal rank fusion
/// (score = Σ 1/(60 + rank)). The vector leg finds paraphrases; the text leg finds exact symbols and accessions
/// (BRCA1, NM_007294.4, P38398) that an embedding blurs. Row-level security limits both legs to the caller's rows.
/// </summary>
public sealed class KnowledgeSearch(BioDbContext db, IEmbeddingGenerator<string, Embedding<float>> embeddings,
    IOptions<EmbeddingOptions> options)
{
    public const int CandidatesPerLeg = 50;
    public const int MaxK = 50;
    /// <summary>The constant of reciprocal rank fusion (Cormack et al. 2009); it damps the weight of the very first ranks.</summary>
    private const int RrfK = 60;
    /// <summary>HNSW candidate list while searching: recall against speed (docs/benchmarks.md, knowledge).</summary>
    public const int EfSearch = 100;

    public async Task<IReadOnlyList<Passage>> SearchAsync(KnowledgeQuery query, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.K, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.K, MaxK);
        var model = options.Value;
        var vector = query.Mode == SearchMode.Text
            ? null
            : new Pgvector.Vector((await embeddings.GenerateAsync([query.Text], cancellationToken: cancellationToken))[0].Vector);

        // The model's name and dimension are part of the statement, not parameters: the planner must see them to
        // pick that model's partial index. Both come from validated configuration, and the name is quoted.
        var cast = string.Create(CultureInfo.InvariantCulture, $"vector({model.Dimensions})");
        var modelLiteral = "'" + model.Model.Replace("'", "''", StringComparison.Ordinal) + "'";
        var sql = $"""
            WITH vector_leg AS (
                SELECT e.chunk_id, row_number() OVER (ORDER BY e.distance) AS rank
                FROM (SELECT chunk_id, embedding::{cast} <=> @vector AS distance
                      FROM chunk_embeddings
                      WHERE model = {modelLiteral} AND project_id IS NOT DISTINCT FROM @project AND @useVector
                      ORDER BY embedding::{cast} <=> @vector
                      LIMIT {CandidatesPerLeg}) e
            ),
            text_query AS (
                -- websearch syntax, but any term may match (OR): ranking, not filtering, decides.
                SELECT replace(websearch_to_tsquery('english', @text)::text, ' & ', ' | ')::tsquery AS q
            ),
            text_leg AS (
                SELECT c.id AS chunk_id, row_number() OVER (ORDER BY ts_rank_cd(c.search, t.q) DESC, c.id) AS rank
                FROM knowledge_chunks c, text_query t
                WHERE @useText AND t.q <> ''::tsquery AND c.search @@ t.q AND c.project_id IS NOT DISTINCT FROM @project
                ORDER BY ts_rank_cd(c.search, t.q) DESC, c.id
                LIMIT {CandidatesPerLeg}
            ),
            fused AS (
                SELECT chunk_id, sum(1.0 / ({RrfK} + rank)) AS score, min(vector_rank) AS vector_rank, min(text_rank) AS text_rank
                FROM (SELECT chunk_id, rank, rank AS vector_rank, NULL::bigint AS text_rank FROM vector_leg
                      UNION ALL
                      SELECT chunk_id, rank, NULL, rank FROM text_leg) legs
                GROUP BY chunk_id
            )
            SELECT c.id AS chunk_id, d.id AS document_id, d.title, d.kind, c.location,
                   ts_headline('english', c.text, (SELECT q FROM text_query), 'MaxWords=40, MinWords=15, MaxFragments=1, StartSel=**, StopSel=**') AS snippet,
                   f.score::float8 AS score, f.vector_rank::int AS vector_rank, f.text_rank::int AS text_rank, d.source, d.licence
            FROM fused f
            JOIN knowledge_chunks c ON c.id = f.chunk_id
            JOIN knowledge_documents d ON d.id = c.document_id
            WHERE d.status = 'Ready'
              AND (@kinds::text[] IS NULL OR d.kind = ANY(@kinds::text[]))
              AND (NOT @commercialOnly OR d.commercial_use)
            ORDER BY f.score DESC, c.id
            LIMIT @k
            """;

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var settings = new NpgsqlCommand(
                // Iterative scans keep walking the graph when the project filter discards candidates (pgvector 0.8).
                string.Create(CultureInfo.InvariantCulture,
                    $"SET LOCAL hnsw.ef_search = {EfSearch}; SET LOCAL hnsw.iterative_scan = relaxed_order;"),
                connection, transaction))
            {
                await settings.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("vector", vector ?? new Pgvector.Vector(new float[model.Dimensions]));
            command.Parameters.AddWithValue("useVector", query.Mode != SearchMode.Text);
            command.Parameters.AddWithValue("useText", query.Mode != SearchMode.Vector);
            command.Parameters.AddWithValue("text", query.Text);
            command.Parameters.Add(new NpgsqlParameter("project", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)query.ProjectId ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
            {
                Value = query.Kinds is { Count: > 0 } kinds ? kinds.ToArray() : DBNull.Value,
            });
            command.Parameters.AddWithValue("commercialOnly", query.CommercialOnly);
            command.Parameters.AddWithValue("k", query.K);

            var passages = new List<Passage>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    passages.Add(new Passage(
                        reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetDouble(6),
                        reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
                        reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)));
                }
            }
            await transaction.CommitAsync(cancellationToken);
            return passages;
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }
}
