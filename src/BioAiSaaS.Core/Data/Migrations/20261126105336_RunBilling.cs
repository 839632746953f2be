using System;
using BioAiSaaS.Core.Data.Migrations.Sql;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class RunBilling : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "billing_mode",
                table: "runs",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "token-based");

            migrationBuilder.CreateTable(
                name: "billing_settings",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    auto_authorise_limit_fen = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_billing_settings", x => x.user_id);
                    table.CheckConstraint("ck_billing_settings_limit", "auto_authorise_limit_fen >= 0");
                    table.ForeignKey(
                        name: "fk_billing_settings_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_charges",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    billing_mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    template_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    quote_fen = table.Column<long>(type: "bigint", nullable: false),
                    list_fen = table.Column<long>(type: "bigint", nullable: false),
                    basis = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    rate_card = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    rate_card_version = table.Column<int>(type: "integer", nullable: true),
                    authorisation = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    quote_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    outcome_fee_fen = table.Column<long>(type: "bigint", nullable: true),
                    outcome_status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    outcome_charged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    outcome_accept_by = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    outcome_decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    outcome_reject_reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_charges", x => x.run_id);
                    table.CheckConstraint("ck_run_charges_outcome_status", "outcome_status IS NULL OR outcome_status IN ('pending', 'accepted', 'rejected')");
                    table.CheckConstraint("ck_run_charges_quote", "quote_fen >= 0 AND list_fen >= 0");
                    table.ForeignKey(
                        name: "fk_run_charges_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_quotes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    amount_fen = table.Column<long>(type: "bigint", nullable: false),
                    list_fen = table.Column<long>(type: "bigint", nullable: false),
                    basis = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    billing_mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    template_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    rate_card = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    rate_card_version = table.Column<int>(type: "integer", nullable: true),
                    run = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_quotes", x => x.id);
                    table.CheckConstraint("ck_run_quotes_amount", "amount_fen >= 0 AND list_fen >= 0");
                    table.CheckConstraint("ck_run_quotes_status", "status IN ('pending', 'confirmed')");
                    table.ForeignKey(
                        name: "fk_run_quotes_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_run_quotes_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "task_templates",
                columns: table => new
                {
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    billing_mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    price_fen = table.Column<long>(type: "bigint", nullable: false),
                    default_max_tokens = table.Column<long>(type: "bigint", nullable: true),
                    rank = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_task_templates", x => x.code);
                    table.CheckConstraint("ck_task_templates_billing_mode", "billing_mode IN ('token-based', 'outcome-based')");
                    table.CheckConstraint("ck_task_templates_price", "price_fen >= 0");
                });

            migrationBuilder.CreateIndex(
                name: "ix_run_charges_pending_outcomes",
                table: "run_charges",
                column: "outcome_accept_by",
                filter: "outcome_status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_run_charges_user_id",
                table: "run_charges",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_run_quotes_project_id",
                table: "run_quotes",
                column: "project_id");

            migrationBuilder.CreateIndex(
                name: "ix_run_quotes_user_id_created_at",
                table: "run_quotes",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.Sql(RunBillingSql.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(RunBillingSql.Down);

            migrationBuilder.DropTable(
                name: "billing_settings");

            migrationBuilder.DropTable(
                name: "run_charges");

            migrationBuilder.DropTable(
                name: "run_quotes");

            migrationBuilder.DropTable(
                name: "task_templates");

            migrationBuilder.DropColumn(
                name: "billing_mode",
                table: "runs");
        }
    }
}
