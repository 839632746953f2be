using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Pgvector;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Knowledge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "projects",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_projects", x => x.id);
                    table.ForeignKey(
                        name: "fk_projects_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "knowledge_documents",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: true),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: true),
                    title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    content_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    failure_reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    source = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    licence = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    commercial_use = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_knowledge_documents", x => x.id);
                    table.ForeignKey(
                        name: "fk_knowledge_documents_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_knowledge_documents_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "knowledge_chunks",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    document_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: true),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: true),
                    ordinal = table.Column<int>(type: "integer", nullable: false),
                    location = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    text = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_knowledge_chunks", x => x.id);
                    table.ForeignKey(
                        name: "fk_knowledge_chunks_knowledge_documents_document_id",
                        column: x => x.document_id,
                        principalTable: "knowledge_documents",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chunk_embeddings",
                columns: table => new
                {
                    chunk_id = table.Column<long>(type: "bigint", nullable: false),
                    model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: true),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: true),
                    embedding = table.Column<Vector>(type: "vector", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chunk_embeddings", x => new { x.chunk_id, x.model });
                    table.ForeignKey(
                        name: "fk_chunk_embeddings_knowledge_chunks_chunk_id",
                        column: x => x.chunk_id,
                        principalTable: "knowledge_chunks",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_chunk_embeddings_model_project_id",
                table: "chunk_embeddings",
                columns: new[] { "model", "project_id" });

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_chunks_document_id_ordinal",
                table: "knowledge_chunks",
                columns: new[] { "document_id", "ordinal" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_chunks_project_id",
                table: "knowledge_chunks",
                column: "project_id");

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_documents_owner_id",
                table: "knowledge_documents",
                column: "owner_id");

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_documents_project_id_content_hash",
                table: "knowledge_documents",
                columns: new[] { "project_id", "content_hash" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "ix_projects_owner_id_created_at",
                table: "projects",
                columns: new[] { "owner_id", "created_at" });

            // What EF Core does not model: full-text search, the vector index, and row-level security.
            migrationBuilder.Sql("""
                ALTER TABLE knowledge_chunks
                    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
                CREATE INDEX ix_knowledge_chunks_search ON knowledge_chunks USING gin (search);

                -- One partial HNSW index per embedding model, over a cast to its dimension (the column has none, so
                -- a model switch can write the new vectors beside the old ones). m and ef_construction: see
                -- docs/benchmarks.md (knowledge) for the measurements behind them.
                CREATE INDEX ix_chunk_embeddings_minilm ON chunk_embeddings
                    USING hnsw ((embedding::vector(384)) vector_cosine_ops) WITH (m = 16, ef_construction = 64)
                    WHERE model = 'all-MiniLM-L6-v2';

                ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
                CREATE POLICY projects_owner ON projects
                    USING (owner_id = app_current_user_id())
                    WITH CHECK (owner_id = app_current_user_id());
                -- The built-in library (no owner) is readable by everyone; only the owner writes its own.
                ALTER TABLE knowledge_documents ENABLE ROW LEVEL SECURITY;
                CREATE POLICY knowledge_documents_read ON knowledge_documents FOR SELECT
                    USING (owner_id IS NULL OR owner_id = app_current_user_id());
                CREATE POLICY knowledge_documents_write ON knowledge_documents FOR ALL
                    USING (owner_id = app_current_user_id())
                    WITH CHECK (owner_id = app_current_user_id());
                ALTER TABLE knowledge_chunks ENABLE ROW LEVEL SECURITY;
                CREATE POLICY knowledge_chunks_read ON knowledge_chunks FOR SELECT
                    USING (owner_id IS NULL OR owner_id = app_current_user_id());
                CREATE POLICY knowledge_chunks_write ON knowledge_chunks FOR ALL
                    USING (owner_id = app_current_user_id())
                    WITH CHECK (owner_id = app_current_user_id());
                ALTER TABLE chunk_embeddings ENABLE ROW LEVEL SECURITY;
                CREATE POLICY chunk_embeddings_read ON chunk_embeddings FOR SELECT
                    USING (owner_id IS NULL OR owner_id = app_current_user_id());
                CREATE POLICY chunk_embeddings_write ON chunk_embeddings FOR ALL
                    USING (owner_id = app_current_user_id())
                    WITH CHECK (owner_id = app_current_user_id());
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP POLICY IF EXISTS chunk_embeddings_write ON chunk_embeddings;
                DROP POLICY IF EXISTS chunk_embeddings_read ON chunk_embeddings;
                DROP POLICY IF EXISTS knowledge_chunks_write ON knowledge_chunks;
                DROP POLICY IF EXISTS knowledge_chunks_read ON knowledge_chunks;
                DROP POLICY IF EXISTS knowledge_documents_write ON knowledge_documents;
                DROP POLICY IF EXISTS knowledge_documents_read ON knowledge_documents;
                DROP POLICY IF EXISTS projects_owner ON projects;
                """);

            migrationBuilder.DropTable(
                name: "chunk_embeddings");

            migrationBuilder.DropTable(
                name: "knowledge_chunks");

            migrationBuilder.DropTable(
                name: "knowledge_documents");

            migrationBuilder.DropTable(
                name: "projects");
        }
    }
}
