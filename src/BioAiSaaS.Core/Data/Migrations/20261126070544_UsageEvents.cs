using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class UsageEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "usage_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: true),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    quantity = table.Column<decimal>(type: "numeric(18,6)", precision: 18, scale: 6, nullable: false),
                    model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    rate_card = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_events_key",
                table: "usage_events",
                column: "key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_usage_events_owner_id_created_at",
                table: "usage_events",
                columns: new[] { "owner_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_events_run_id",
                table: "usage_events",
                column: "run_id");

            // A tenant sees only its own usage; no foreign keys: usage outlives the runs it was measured on (billing).
            migrationBuilder.Sql("""
                ALTER TABLE usage_events ENABLE ROW LEVEL SECURITY;
                CREATE POLICY usage_events_owner ON usage_events
                    USING (owner_id = app_current_user_id()) WITH CHECK (owner_id = app_current_user_id());
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP POLICY IF EXISTS usage_events_owner ON usage_events;");
            migrationBuilder.DropTable(
                name: "usage_events");
        }
    }
}
