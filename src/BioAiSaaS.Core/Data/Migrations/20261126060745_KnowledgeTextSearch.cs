using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KnowledgeTextSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The full-text leg's candidates. Under row-level security PostgreSQL cannot use the GIN index for
            // "search @@ query": @@ is not leakproof, so it must run after the policy's checks, i.e. on every row
            // (a sequential scan: 40 ms at 100,000 passages). This function runs as the tables' owner, which the
            // policies do not bind, and applies the read policy of knowledge_chunks itself (the caller's passages
            // and the library), so the index finds the matches and only they are ranked.
            migrationBuilder.Sql("""
                CREATE FUNCTION knowledge_text_candidates(p_query tsquery, p_project uuid, p_limit int)
                RETURNS TABLE (chunk_id bigint, rank real)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
                    SELECT c.id, ts_rank_cd(c.search, p_query)
                    FROM knowledge_chunks c
                    WHERE c.search @@ p_query
                      AND c.project_id IS NOT DISTINCT FROM p_project
                      AND (c.owner_id IS NULL OR c.owner_id = app_current_user_id())
                    ORDER BY 2 DESC, c.id
                    LIMIT p_limit;
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS knowledge_text_candidates(tsquery, uuid, int);");
        }
    }
}
