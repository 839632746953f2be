using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class RefundReconciliation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_check_at",
                table: "payment_refunds",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reason",
                table: "payment_refunds",
                type: "character varying(80)",
                maxLength: 80,
                nullable: true);

            // Open refunds (asked, or processing at the provider) for the reconciliation job, across tenants: claimed
            // with a recheck time under SKIP LOCKED, like pending orders, so several workers share them.
            migrationBuilder.Sql("""
                CREATE FUNCTION billing_claim_open_refunds(p_older_than timestamptz, p_lease interval, p_max integer)
                    RETURNS TABLE (out_refund_no text, out_trade_no text, user_id uuid, provider text)
                    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
                        UPDATE payment_refunds r SET next_check_at = now() + p_lease
                         WHERE r.out_refund_no IN (
                               SELECT c.out_refund_no FROM payment_refunds c
                                WHERE c.status IN ('Requested', 'Processing') AND c.updated_at < p_older_than
                                  AND (c.next_check_at IS NULL OR c.next_check_at <= now())
                                ORDER BY c.updated_at
                                LIMIT p_max
                                FOR UPDATE SKIP LOCKED)
                        RETURNING r.out_refund_no::text, r.out_trade_no::text, r.user_id, r.provider::text
                    $$;
                REVOKE ALL ON FUNCTION billing_claim_open_refunds(timestamptz, interval, integer) FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION billing_claim_open_refunds(timestamptz, interval, integer);");
            migrationBuilder.DropColumn(
                name: "next_check_at",
                table: "payment_refunds");

            migrationBuilder.DropColumn(
                name: "reason",
                table: "payment_refunds");
        }
    }
}
