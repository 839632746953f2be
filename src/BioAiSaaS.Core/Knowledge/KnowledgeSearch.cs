using System.Globalization;
using BioAiSaaS.Core.Data;
using Microsoft.EntityFrameworkCore;
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

/// <summary>What a search found, and which embedding model ranked the vector leg (null for a text-only search).</summary>
public sealed record KnowledgeResults(string? Model, IReadOnlyList<Passage> Passages);

/// <summary>
/// Hybrid retrieval in one SQL statement: the nearest chunks by cosine distance (pgvector HNSW) and the best
/// full-text matches (tsvector, GIN), each up to <see cref="CandidatesPerLeg"/>, fused by reciprocal rank fusion
/// (score = Σ 1/(60 + rank)). The vector leg finds paraphrases; the text leg finds exact symbols and accessions
/// (BRCA1, NM_007294.4, P38398) that an embedding blurs. Row-level security limits both legs to the caller's rows.
/// </summary>
public sealed partial class KnowledgeSearch(BioDbContext db, EmbeddingCoverage coverage)
{
    public const int CandidatesPerLeg = 50;
    public const int MaxK = 50;
    /// <summary>The constant of reciprocal rank fusion (Cormack et al. 2009); it damps the weight of the very first ranks.</summary>
    private const int RrfK = 60;
    /// <summary>HNSW candidate list while searching: recall against speed (docs/benchmarks.md, knowledge).</summary>
    public const int EfSearch = 100;

    public async Task<KnowledgeResults> SearchAsync(KnowledgeQuery query, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.K, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.K, MaxK);
        // During a model switch the previous model serves until the current one covers every passage; the query is
        // embedded by the same model as the vectors it is compared with.
        var model = await coverage.ServingAsync(db, cancellationToken);
        var vector = query.Mode == SearchMode.Text
            ? null
            : new Pgvector.Vector((await model.Generator.GenerateAsync([query.Text], cancellationToken: cancellationToken))[0].Vector);

        // The model's name and dimension are part of the statement, not parameters: the planner must see them to
        // pick that model's partial index. Both come from validated configuration, and the name is quoted.
        var cast = string.Create(CultureInfo.InvariantCulture, $"vector({model.Dimensions})");
        var modelLiteral = "'" + model.Name.Replace("'", "''", StringComparison.Ordinal) + "'";
        // "IS NULL" or "= @project" written out, not "IS NOT DISTINCT FROM @project": the planner estimates those
        // from statistics; the latter it took for one row in 100,000 and chose a sequential scan over the HNSW index.
        var scope = query.ProjectId is null ? "project_id IS NULL" : "project_id = @project";
        var sql = $"""
            WITH vector_leg AS (
                SELECT e.chunk_id, row_number() OVER (ORDER BY e.distance) AS rank
                FROM (SELECT chunk_id, embedding::{cast} <=> @vector AS distance
                      FROM chunk_embeddings
                      WHERE model = {modelLiteral} AND {scope} AND @useVector
                      ORDER BY embedding::{cast} <=> @vector
                      LIMIT {CandidatesPerLeg}) e
            ),
            text_query AS (
                -- Every word (websearch syntax: quotes make phrases), or else every identifier-like term (a symbol or
                -- accession with a digit: BRCA1, NM_007294.4, P38398), so a question that names an accession finds it
                -- whatever its other words. Both are selective, so few rows are ranked: "any word" (OR) matched half
                -- of 100,000 passages and ranking them took 300 ms. The highlight marks every word.
                SELECT websearch_to_tsquery('english', @text)
                       || coalesce((SELECT string_agg('(' || p::text || ')', ' & ')
                                    FROM unnest(@identifiers::text[]) i, phraseto_tsquery('english', i) p
                                    WHERE p <> ''::tsquery)::tsquery, ''::tsquery) AS q,
                       replace(websearch_to_tsquery('english', @text)::text, ' & ', ' | ')::tsquery AS highlight
            ),
            text_leg AS (
                -- Through a function that applies the read policy itself: under row-level security the GIN index
                -- could not be used (see the KnowledgeTextSearch migration).
                SELECT t.chunk_id, row_number() OVER (ORDER BY t.rank DESC, t.chunk_id) AS rank
                FROM knowledge_text_candidates((SELECT q FROM text_query), @project, {CandidatesPerLeg}) t
                WHERE @useText AND (SELECT q FROM text_query) <> ''::tsquery
            ),
            fused AS (
                SELECT chunk_id, sum(1.0 / ({RrfK} + rank)) AS score, min(vector_rank) AS vector_rank, min(text_rank) AS text_rank
                FROM (SELECT chunk_id, rank, rank AS vector_rank, NULL::bigint AS text_rank FROM vector_leg
                      UNION ALL
                      SELECT chunk_id, rank, NULL, rank FROM text_leg) legs
                GROUP BY chunk_id
            )
            SELECT c.id AS chunk_id, d.id AS document_id, d.title, d.kind, c.location,
                   ts_headline('english', c.text, (SELECT highlight FROM text_query), 'MaxWords=40, MinWords=15, MaxFragments=1, StartSel=**, StopSel=**') AS snippet,
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
                // No parallel workers: starting them cost ~15 ms, more than the whole search on one core.
                string.Create(CultureInfo.InvariantCulture,
                    $"SET LOCAL hnsw.ef_search = {EfSearch}; SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL max_parallel_workers_per_gather = 0;"),
                connection, transaction))
            {
                await settings.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("vector", vector ?? new Pgvector.Vector(new float[model.Dimensions]));
            command.Parameters.AddWithValue("useVector", query.Mode != SearchMode.Text);
            command.Parameters.AddWithValue("useText", query.Mode != SearchMode.Vector);
            command.Parameters.AddWithValue("text", query.Text);
            command.Parameters.Add(new NpgsqlParameter("identifiers", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
            {
                Value = Identifiers(query.Text),
            });
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
            return new KnowledgeResults(query.Mode == SearchMode.Text ? null : model.Name, passages);
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>The query's identifier-like terms: a run of letters, digits, '_', '.' or '-' holding a digit.</summary>
    public static string[] Identifiers(string text) =>
        IdentifierPattern().Matches(text).Select(m => m.Value.TrimEnd('.', '-')).Where(v => v.Length > 1)
            .Distinct(StringComparer.OrdinalIgnoreCase).Take(10).ToArray();

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}_.\-]*\p{N}[\p{L}\p{N}_.\-]*")]
    private static partial System.Text.RegularExpressions.Regex IdentifierPattern();
}
