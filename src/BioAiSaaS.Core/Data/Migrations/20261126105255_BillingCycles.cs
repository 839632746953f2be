using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class BillingCycles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "billed_at",
                table: "usage_events",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "billing_period_start",
                table: "usage_events",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "journal_key",
                table: "usage_events",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "invoices",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    plan_code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    cut_off = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    charges_fen = table.Column<long>(type: "bigint", nullable: false),
                    payments_fen = table.Column<long>(type: "bigint", nullable: false),
                    finalized_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_invoices", x => x.id);
                    table.CheckConstraint("ck_invoices_status", "status IN ('draft', 'final')");
                });

            migrationBuilder.CreateTable(
                name: "usage_period_items",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    item = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    overage_quantity = table.Column<long>(type: "bigint", nullable: false),
                    cost_parts = table.Column<long>(type: "bigint", nullable: false),
                    charged_fen = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_period_items", x => new { x.user_id, x.period_start, x.item });
                });

            migrationBuilder.CreateTable(
                name: "usage_periods",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    plan_code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    included_tokens = table.Column<long>(type: "bigint", nullable: false),
                    included_sandbox_ms = table.Column<long>(type: "bigint", nullable: false),
                    tokens_used = table.Column<long>(type: "bigint", nullable: false),
                    sandbox_ms_used = table.Column<long>(type: "bigint", nullable: false),
                    input_overage_tokens = table.Column<long>(type: "bigint", nullable: false),
                    cached_overage_tokens = table.Column<long>(type: "bigint", nullable: false),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_periods", x => new { x.user_id, x.period_start });
                    table.CheckConstraint("ck_usage_periods_period", "period_end > period_start");
                });

            migrationBuilder.CreateTable(
                name: "invoice_entries",
                columns: table => new
                {
                    entry_id = table.Column<long>(type: "bigint", nullable: false),
                    invoice_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_invoice_entries", x => x.entry_id);
                    table.ForeignKey(
                        name: "fk_invoice_entries_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalTable: "invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_invoice_entries_journal_entries_entry_id",
                        column: x => x.entry_id,
                        principalTable: "journal_entries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "invoice_lines",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    invoice_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    section = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    amount_fen = table.Column<long>(type: "bigint", nullable: false),
                    entries = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_invoice_lines", x => x.id);
                    table.ForeignKey(
                        name: "fk_invoice_lines_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalTable: "invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_events_unbilled",
                table: "usage_events",
                columns: new[] { "owner_id", "id" },
                filter: "billed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_invoice_entries_invoice_id",
                table: "invoice_entries",
                column: "invoice_id");

            migrationBuilder.CreateIndex(
                name: "ix_invoice_lines_invoice_id_position",
                table: "invoice_lines",
                columns: new[] { "invoice_id", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_invoices_drafts",
                table: "invoices",
                column: "status",
                filter: "status = 'draft'");

            migrationBuilder.CreateIndex(
                name: "ix_invoices_number",
                table: "invoices",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_invoices_user_id_period_start",
                table: "invoices",
                columns: new[] { "user_id", "period_start" },
                unique: true);

            migrationBuilder.Sql(Sql.BillingCyclesSql.Up);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Sql.BillingCyclesSql.Down);

            migrationBuilder.DropTable(
                name: "invoice_entries");

            migrationBuilder.DropTable(
                name: "invoice_lines");

            migrationBuilder.DropTable(
                name: "usage_period_items");

            migrationBuilder.DropTable(
                name: "usage_periods");

            migrationBuilder.DropTable(
                name: "invoices");

            migrationBuilder.DropIndex(
                name: "ix_usage_events_unbilled",
                table: "usage_events");

            migrationBuilder.DropColumn(
                name: "billed_at",
                table: "usage_events");

            migrationBuilder.DropColumn(
                name: "billing_period_start",
                table: "usage_events");

            migrationBuilder.DropColumn(
                name: "journal_key",
                table: "usage_events");
        }
    }
}
