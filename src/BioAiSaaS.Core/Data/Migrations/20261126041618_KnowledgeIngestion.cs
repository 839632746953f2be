using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KnowledgeIngestion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "attempts",
                table: "knowledge_documents",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "knowledge_document_contents",
                columns: table => new
                {
                    document_id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: true),
                    content = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_knowledge_document_contents", x => x.document_id);
                    table.ForeignKey(
                        name: "fk_knowledge_document_contents_knowledge_documents_document_id",
                        column: x => x.document_id,
                        principalTable: "knowledge_documents",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_documents_status_updated_at",
                table: "knowledge_documents",
                columns: new[] { "status", "updated_at" });

            migrationBuilder.Sql("""
                ALTER TABLE knowledge_document_contents ENABLE ROW LEVEL SECURITY;
                CREATE POLICY knowledge_document_contents_owner ON knowledge_document_contents
                    USING (owner_id = app_current_user_id())
                    WITH CHECK (owner_id = app_current_user_id());

                -- The ingestion queue. The worker's login sees no document until it acts for an owner, so it claims
                -- the next one through this function (as the tables' owner), which hands back whose it is. A document
                -- stuck in processing past the lease lost its worker; past max_attempts it fails for good.
                CREATE FUNCTION claim_knowledge_document(lease interval, max_attempts int)
                RETURNS TABLE (id uuid, owner_id uuid)
                LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
                    WITH next AS (
                        SELECT d.id FROM knowledge_documents d
                        WHERE d.owner_id IS NOT NULL
                          AND (d.status = 'Pending' OR (d.status = 'Processing' AND d.updated_at < now() - lease))
                        ORDER BY d.created_at
                        FOR UPDATE SKIP LOCKED
                        LIMIT 1
                    ), claimed AS (
                        UPDATE knowledge_documents d
                        SET status = CASE WHEN d.attempts >= max_attempts THEN 'Failed' ELSE 'Processing' END,
                            failure_reason = CASE WHEN d.attempts >= max_attempts
                                THEN 'Gave up after ' || max_attempts || ' attempts: ingestion kept losing its worker.'
                                ELSE d.failure_reason END,
                            attempts = d.attempts + 1,
                            updated_at = now()
                        FROM next WHERE d.id = next.id
                        RETURNING d.id, d.owner_id, d.status
                    )
                    SELECT claimed.id, claimed.owner_id FROM claimed WHERE claimed.status = 'Processing';
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION IF EXISTS claim_knowledge_document(interval, int);
                DROP POLICY IF EXISTS knowledge_document_contents_owner ON knowledge_document_contents;
                """);

            migrationBuilder.DropTable(
                name: "knowledge_document_contents");

            migrationBuilder.DropIndex(
                name: "ix_knowledge_documents_status_updated_at",
                table: "knowledge_documents");

            migrationBuilder.DropColumn(
                name: "attempts",
                table: "knowledge_documents");
        }
    }
}
