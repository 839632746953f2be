using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunArtifacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "settings",
                table: "runs",
                type: "jsonb",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "run_artifacts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    key = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    mime_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_artifacts", x => x.id);
                    table.ForeignKey(
                        name: "fk_run_artifacts_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_run_artifacts_run_id_key",
                table: "run_artifacts",
                columns: new[] { "run_id", "key" },
                unique: true);
            // Artifacts are their owner's alone, like the runs they belong to.
            migrationBuilder.Sql("""
                ALTER TABLE run_artifacts ENABLE ROW LEVEL SECURITY;
                CREATE POLICY run_artifacts_owner ON run_artifacts
                    USING (owner_id = app_current_user_id()) WITH CHECK (owner_id = app_current_user_id());
                """);
        }


        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP POLICY IF EXISTS run_artifacts_owner ON run_artifacts;");
            migrationBuilder.DropTable(
                name: "run_artifacts");

            migrationBuilder.DropColumn(
                name: "settings",
                table: "runs");
        }
    }
}
