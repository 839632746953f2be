using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class EmbeddingBackfill : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "embedding_models",
                columns: table => new
                {
                    model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    dimensions = table.Column<int>(type: "integer", nullable: false),
                    complete_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_embedding_models", x => x.model);
                });

            // The backfill after a model switch: which ready passages lack the model's vector. Row-level security
            // would show the worker's login none before it knows whose they are, so this function (as the tables'
            // owner) hands back the owner with each; the worker then writes as that owner. p_owned picks projects'
            // passages (true: the worker's part), the library's (false: the migration service's, as the owner), or both.
            migrationBuilder.Sql("""
                CREATE FUNCTION knowledge_chunks_missing_embedding(p_model text, p_limit int, p_owned boolean)
                RETURNS TABLE (chunk_id bigint, owner_id uuid, project_id uuid, text text)
                LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
                    SELECT c.id, c.owner_id, c.project_id, c.text
                    FROM knowledge_chunks c
                    JOIN knowledge_documents d ON d.id = c.document_id
                    WHERE d.status = 'Ready'
                      AND (p_owned IS NULL OR (c.owner_id IS NOT NULL) = p_owned)
                      AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model = p_model)
                    ORDER BY c.id
                    LIMIT p_limit;
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS knowledge_chunks_missing_embedding(text, int, boolean);");
            migrationBuilder.DropTable(
                name: "embedding_models");
        }
    }
}
