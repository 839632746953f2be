using System.Diagnostics;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Knowledge;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using static Corpus;

// Usage: KnowledgeIndex CONNECTION_STRING [CHUNKS=100000] [QUERIES=200] [CACHE_DIR=/tmp/bioaisaas-bench] [MODE=sweep]
// MODE product skips the HNSW sweep and prints the plans (auto_explain, ANALYZE) of the product's first searches.
// The connection is the database owner's, on a throwaway database: the benchmark migrates it, loads the corpus into
// the built-in library (no project, no owner) and rebuilds the HNSW index several times. Queries run as a role
// without BYPASSRLS, so row-level security applies as it does for the services.
var connectionString = args[0];
var chunkCount = args.Length > 1 ? int.Parse(args[1]) : 100_000;
var queryCount = args.Length > 2 ? int.Parse(args[2]) : 200;
var cacheDirectory = args.Length > 3 ? args[3] : "/tmp/bioaisaas-bench";
var productOnly = args.Length > 4 && args[4] == "product";
const string Model = LocalEmbeddingGenerator.ModelName;
const int Dimensions = LocalEmbeddingGenerator.ModelDimensions;
const int K = 10;

Console.WriteLine($"machine: {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd}; {chunkCount:N0} chunks, {queryCount} queries");
using var generator = new LocalEmbeddingGenerator();

var random = new Random(11);
var passages = Enumerable.Range(0, chunkCount).Select(_ => Passage(random)).ToArray();
var queries = Enumerable.Range(0, queryCount).Select(_ => Query(random)).ToArray();
Console.WriteLine($"passages: {passages.Average(p => p.Length):F0} characters on average, {passages.Distinct().Count():N0} distinct");
var vectors = await EmbedCachedAsync(passages, CachePath("corpus", passages));
var queryVectors = await EmbedCachedAsync(queries, CachePath("queries", queries));

var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
dataSourceBuilder.UseVector();
await using var dataSource = dataSourceBuilder.Build();
await LoadAsync();

// Exact answers: the same query with index scans off (a sequential scan computes every distance).
var exact = new List<long[]>();
await using (var connection = await ReaderAsync())
{
    foreach (var vector in queryVectors)
    {
        exact.Add(await TopAsync(connection, vector, K, "SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off;"));
    }
}

// The sweep: the vector leg exactly as KnowledgeSearch runs it (50 candidates, iterative scan), per HNSW setting.
Console.WriteLine("| m | ef_construction | build (s) | index (MB) | ef_search | recall@10 | p50 (ms) | p95 (ms) |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var (m, efConstruction) in productOnly ? [] : new[] { (16, 64), (16, 128), (24, 100), (32, 200) })
{
    var (buildSeconds, megabytes) = await BuildIndexAsync(m, efConstruction);
    await RequireIndexScanAsync();
    foreach (var efSearch in new[] { 40, 64, 100, 200 })
    {
        var (recall, p50, p95) = await MeasureAsync(efSearch);
        Console.WriteLine(Invariant($"| {m} | {efConstruction} | {buildSeconds:F0} | {megabytes:F0} | {efSearch} | {recall:F3} | {p50:F2} | {p95:F2} |"));
    }
}

// The product's own path, on the index the migration creates: KnowledgeSearch in Vector and Hybrid mode (the query
// vectors are the ones embedded above, so what is timed is the SQL round trip, fusion and snippets).
await BuildIndexAsync(16, 64);
var embedded = passages.Zip(vectors).Concat(queries.Zip(queryVectors)).DistinctBy(p => p.First).ToDictionary(p => p.First, p => p.Second);
using var precomputed = new PrecomputedEmbeddings(embedded);
foreach (var mode in new[] { SearchMode.Vector, SearchMode.Hybrid })
{
    await using var connection = await dataSource.OpenConnectionAsync();
    if (productOnly)
    {
        // As the superuser, before taking the reader's role: auto_explain's plans go to the server's log.
        await Execute(connection, "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; SET auto_explain.log_nested_statements = on;");
    }
    await Execute(connection, "SET ROLE bench_reader");
    var options = new DbContextOptionsBuilder<BioDbContext>();
    BioDatabase.Configure(options, null);
    options.UseNpgsql(connection, npgsql => npgsql.UseVector());
    await using var db = new BioDbContext(options.Options);
    var search = new KnowledgeSearch(db, new EmbeddingCoverage(new EmbeddingModels(new EmbeddingModel(Model, Dimensions, precomputed)), TimeProvider.System));
    var latencies = new List<double>();
    var hits = 0;
    for (var round = 0; round < 2; round++) // the first round warms caches
    {
        latencies.Clear();
        hits = 0;
        for (var i = 0; i < queries.Length; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var found = (await search.SearchAsync(new KnowledgeQuery(queries[i], K, Mode: mode), CancellationToken.None)).Passages;
            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
            hits += found.Count(p => exact[i].Contains(p.ChunkId));
            if (productOnly && round == 0 && i == 0)
            {
                await Execute(connection, "RESET ROLE; SET auto_explain.log_min_duration = -1; SET ROLE bench_reader;");
                if (Environment.GetEnvironmentVariable("BENCH_POSTGRES_LOG") is { } log)
                {
                    Console.WriteLine($"plan of '{queries[0]}' ({mode}):");
                    Console.WriteLine(string.Join('\n', File.ReadLines(log).SkipWhile(l => !l.Contains("duration:", StringComparison.Ordinal)).Where(l => !l.Contains("'[", StringComparison.Ordinal)).TakeLast(60)));
                    File.WriteAllText(log, "");
                }
            }
        }
    }
    latencies.Sort();
    Console.WriteLine(Invariant($"KnowledgeSearch {mode}, k={K}: p50 {Percentile(latencies, 0.50):F2} ms, p95 {Percentile(latencies, 0.95):F2} ms; overlap with the exact vector top-{K}: {hits / (double)(K * queries.Length):F3}"));
}

// Named by the texts' hash: a changed generator or model version never reads stale vectors.
string CachePath(string name, string[] texts) => Path.Combine(cacheDirectory, Invariant(
    $"{name}-{texts.Length}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', texts) + Model)))[..12]}.f32"));

async Task<float[][]> EmbedCachedAsync(string[] texts, string path)
{
    if (File.Exists(path))
    {
        var bytes = await File.ReadAllBytesAsync(path);
        if (bytes.Length == texts.Length * Dimensions * sizeof(float))
        {
            Console.WriteLine($"vectors: read from {path}");
            var cached = new float[texts.Length][];
            for (var i = 0; i < texts.Length; i++)
            {
                cached[i] = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(i * Dimensions * sizeof(float), Dimensions * sizeof(float))).ToArray();
            }
            return cached;
        }
    }
    var stopwatch = Stopwatch.StartNew();
    var result = new List<float[]>(texts.Length);
    foreach (var batch in texts.Chunk(256))
    {
        result.AddRange((await generator.GenerateAsync(batch)).Select(e => e.Vector.ToArray()));
        if (result.Count % 10_240 == 0)
        {
            Console.WriteLine(Invariant($"  embedded {result.Count:N0} ({result.Count / stopwatch.Elapsed.TotalSeconds:F0}/s)"));
        }
    }
    Console.WriteLine(Invariant($"vectors: embedded {texts.Length:N0} in {stopwatch.Elapsed.TotalSeconds:F0} s ({texts.Length / stopwatch.Elapsed.TotalSeconds:F0}/s)"));
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    await File.WriteAllBytesAsync(path, result.SelectMany(v => System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()).ToArray()).ToArray());
    return result.ToArray();
}

async Task LoadAsync()
{
    var options = new DbContextOptionsBuilder<BioDbContext>();
    BioDatabase.Configure(options, connectionString);
    await using (var db = new BioDbContext(options.Options))
    {
        await db.Database.MigrateAsync();
    }
    await using var connection = await dataSource.OpenConnectionAsync();
    await Execute(connection, """
        DROP INDEX IF EXISTS ix_chunk_embeddings_minilm;
        DO $$ BEGIN CREATE ROLE bench_reader NOLOGIN NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO bench_reader;
        """);
    var documentId = Guid.CreateVersion7();
    await using (var insert = new NpgsqlCommand("""
        INSERT INTO knowledge_documents (id, title, kind, content_hash, size_bytes, status, commercial_use, created_at, updated_at, attempts)
        VALUES (@id, 'Generated corpus', 'text', @hash, 0, 'Ready', true, now(), now(), 0)
        """, connection))
    {
        insert.Parameters.AddWithValue("id", documentId);
        insert.Parameters.AddWithValue("hash", Guid.NewGuid().ToString("N"));
        await insert.ExecuteNonQueryAsync();
    }
    var stopwatch = Stopwatch.StartNew();
    await using (var copy = await connection.BeginBinaryImportAsync(
        "COPY knowledge_chunks (document_id, ordinal, location, text) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 0; i < passages.Length; i++)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(documentId, NpgsqlDbType.Uuid);
            await copy.WriteAsync(i, NpgsqlDbType.Integer);
            await copy.WriteAsync($"passage {i + 1}", NpgsqlDbType.Text);
            await copy.WriteAsync(passages[i], NpgsqlDbType.Text);
        }
        await copy.CompleteAsync();
    }
    var ids = new long[passages.Length];
    await using (var select = new NpgsqlCommand("SELECT id, ordinal FROM knowledge_chunks WHERE document_id = @id", connection))
    {
        select.Parameters.AddWithValue("id", documentId);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids[reader.GetInt32(1)] = reader.GetInt64(0);
        }
    }
    await using (var copy = await connection.BeginBinaryImportAsync(
        "COPY chunk_embeddings (chunk_id, model, embedding) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 0; i < passages.Length; i++)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(ids[i], NpgsqlDbType.Bigint);
            await copy.WriteAsync(Model, NpgsqlDbType.Text);
            await copy.WriteAsync(new Pgvector.Vector(vectors[i]));
        }
        await copy.CompleteAsync();
    }
    await Execute(connection, "VACUUM ANALYZE knowledge_chunks");
    await Execute(connection, "VACUUM ANALYZE chunk_embeddings");
    Console.WriteLine(Invariant($"loaded {passages.Length:N0} chunks and vectors in {stopwatch.Elapsed.TotalSeconds:F0} s"));
}

async Task<(double Seconds, double Megabytes)> BuildIndexAsync(int m, int efConstruction)
{
    await using var connection = await dataSource.OpenConnectionAsync();
    var stopwatch = Stopwatch.StartNew();
    // The index as the migration declares it (partial, over the cast), with these parameters. The build gets the
    // memory to hold the graph, as an operator would give it for a rebuild.
    await Execute(connection, Invariant($"""
        DROP INDEX IF EXISTS ix_chunk_embeddings_minilm;
        SET maintenance_work_mem = '2GB';
        CREATE INDEX ix_chunk_embeddings_minilm ON chunk_embeddings
            USING hnsw ((embedding::vector({Dimensions})) vector_cosine_ops) WITH (m = {m}, ef_construction = {efConstruction})
            WHERE model = '{Model}';
        """));
    var seconds = stopwatch.Elapsed.TotalSeconds;
    await using var size = new NpgsqlCommand("SELECT pg_relation_size('ix_chunk_embeddings_minilm')", connection);
    return (seconds, (long)(await size.ExecuteScalarAsync())! / 1048576.0);
}

// A sweep over a sequential scan would measure nothing: fail loudly if the planner does not use the index.
async Task RequireIndexScanAsync()
{
    await using var connection = await ReaderAsync();
    await using var explain = new NpgsqlCommand(Invariant($"""
        EXPLAIN SELECT chunk_id FROM chunk_embeddings
        WHERE model = '{Model}' AND project_id IS NOT DISTINCT FROM NULL
        ORDER BY embedding::vector({Dimensions}) <=> @vector LIMIT {KnowledgeSearch.CandidatesPerLeg}
        """), connection);
    explain.Parameters.AddWithValue("vector", new Pgvector.Vector(queryVectors[0]));
    var plan = string.Join('\n', await ReadAllAsync(explain));
    if (!plan.Contains("ix_chunk_embeddings_minilm", StringComparison.Ordinal))
    {
        throw new InvalidOperationException("The vector query does not use the HNSW index:\n" + plan);
    }
}

static async Task<List<string>> ReadAllAsync(NpgsqlCommand command)
{
    var lines = new List<string>();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        lines.Add(reader.GetString(0));
    }
    return lines;
}

async Task<(double Recall, double P50, double P95)> MeasureAsync(int efSearch)
{
    await using var connection = await ReaderAsync();
    var settings = Invariant($"SET LOCAL hnsw.ef_search = {efSearch}; SET LOCAL hnsw.iterative_scan = relaxed_order;");
    var latencies = new List<double>();
    var hits = 0;
    for (var round = 0; round < 2; round++) // the first round warms the buffer cache
    {
        latencies.Clear();
        hits = 0;
        for (var i = 0; i < queryVectors.Length; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var top = await TopAsync(connection, queryVectors[i], KnowledgeSearch.CandidatesPerLeg, settings);
            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
            hits += top.Take(K).Count(exact[i].Contains);
        }
    }
    latencies.Sort();
    return (hits / (double)(K * queryVectors.Length), Percentile(latencies, 0.50), Percentile(latencies, 0.95));
}

async Task<long[]> TopAsync(NpgsqlConnection connection, float[] vector, int limit, string settings)
{
    await using var transaction = await connection.BeginTransactionAsync();
    await Execute(connection, settings, transaction);
    await using var command = new NpgsqlCommand(Invariant($"""
        SELECT chunk_id FROM chunk_embeddings
        WHERE model = '{Model}' AND project_id IS NOT DISTINCT FROM NULL
        ORDER BY embedding::vector({Dimensions}) <=> @vector
        LIMIT {limit}
        """), connection, transaction);
    command.Parameters.AddWithValue("vector", new Pgvector.Vector(vector));
    var ids = new List<long>(limit);
    await using (var reader = await command.ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
    }
    await transaction.CommitAsync();
    return ids.ToArray();
}

async Task<NpgsqlConnection> ReaderAsync()
{
    var connection = await dataSource.OpenConnectionAsync();
    await Execute(connection, "SET ROLE bench_reader");
    return connection;
}

static async Task Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
{
    await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 3600 };
    await command.ExecuteNonQueryAsync();
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
