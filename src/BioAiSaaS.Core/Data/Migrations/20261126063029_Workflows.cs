using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Workflows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "language",
                table: "runs",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(16)",
                oldMaxLength: 16);

            migrationBuilder.AlterColumn<string>(
                name: "code",
                table: "runs",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddColumn<long>(
                name: "event_count",
                table: "runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "runs",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Code"); // every run before this migration is a code run

            migrationBuilder.AddColumn<Guid>(
                name: "project_id",
                table: "runs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "workflow",
                table: "runs",
                type: "jsonb",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "run_events",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    step_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    data = table.Column<string>(type: "jsonb", nullable: false),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_events", x => new { x.run_id, x.sequence });
                    table.ForeignKey(
                        name: "fk_run_events_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_steps",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step_id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    output = table.Column<string>(type: "jsonb", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_steps", x => new { x.run_id, x.step_id });
                    table.ForeignKey(
                        name: "fk_run_steps_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_runs_project_id_created_at",
                table: "runs",
                columns: new[] { "project_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_run_events_run_id_key",
                table: "run_events",
                columns: new[] { "run_id", "key" },
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "fk_runs_projects_project_id",
                table: "runs",
                column: "project_id",
                principalTable: "projects",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);

            // A run's steps and events belong to its owner, like the run (the owner is copied onto each row so the
            // policy needs no join).
            migrationBuilder.Sql("""
                ALTER TABLE run_steps ENABLE ROW LEVEL SECURITY;
                CREATE POLICY run_steps_owner ON run_steps
                    USING (owner_id = app_current_user_id()) WITH CHECK (owner_id = app_current_user_id());
                ALTER TABLE run_events ENABLE ROW LEVEL SECURITY;
                CREATE POLICY run_events_owner ON run_events
                    USING (owner_id = app_current_user_id()) WITH CHECK (owner_id = app_current_user_id());
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP POLICY IF EXISTS run_events_owner ON run_events;
                DROP POLICY IF EXISTS run_steps_owner ON run_steps;
                """);
            migrationBuilder.DropForeignKey(
                name: "fk_runs_projects_project_id",
                table: "runs");

            migrationBuilder.DropTable(
                name: "run_events");

            migrationBuilder.DropTable(
                name: "run_steps");

            migrationBuilder.DropIndex(
                name: "ix_runs_project_id_created_at",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "event_count",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "project_id",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "workflow",
                table: "runs");

            migrationBuilder.AlterColumn<string>(
                name: "language",
                table: "runs",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(16)",
                oldMaxLength: 16,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "code",
                table: "runs",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);
        }
    }
}
