using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace BioAiSaaS.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Billing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "journal_entries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    memo = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    rate_card = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    rate_card_version = table.Column<int>(type: "integer", nullable: true),
                    payment_order = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_journal_entries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "payment_orders",
                columns: table => new
                {
                    out_trade_no = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    amount_fen = table.Column<long>(type: "bigint", nullable: false),
                    purpose = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_trade_no = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    qr_code_url = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    redirect_url = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    refunded_fen = table.Column<long>(type: "bigint", nullable: false),
                    next_check_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payment_orders", x => x.out_trade_no);
                    table.CheckConstraint("ck_payment_orders_amount", "amount_fen > 0");
                    table.CheckConstraint("ck_payment_orders_out_trade_no", "out_trade_no ~ '^[A-Za-z0-9_-]{6,32}$'");
                    table.CheckConstraint("ck_payment_orders_refunded", "refunded_fen >= 0 AND refunded_fen <= amount_fen");
                    table.CheckConstraint("ck_payment_orders_status", "status IN ('pending', 'paid', 'closed', 'refunded')");
                });

            migrationBuilder.CreateTable(
                name: "plans",
                columns: table => new
                {
                    code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    monthly_price_fen = table.Column<long>(type: "bigint", nullable: false),
                    included_tokens = table.Column<long>(type: "bigint", nullable: false),
                    included_sandbox_minutes = table.Column<int>(type: "integer", nullable: false),
                    concurrent_run_limit = table.Column<int>(type: "integer", nullable: false),
                    max_run_budget_fen = table.Column<long>(type: "bigint", nullable: false),
                    credit_limit_fen = table.Column<long>(type: "bigint", nullable: false),
                    overage_rate_card = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    rank = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plans", x => x.code);
                });

            migrationBuilder.CreateTable(
                name: "rate_cards",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    effective_from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rate_cards", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "wallets",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    balance_fen = table.Column<long>(type: "bigint", nullable: false),
                    credit_limit_fen = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wallets", x => x.user_id);
                    table.CheckConstraint("ck_wallets_credit_limit", "credit_limit_fen >= 0");
                });

            migrationBuilder.CreateTable(
                name: "journal_lines",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    entry_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    account = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    amount_fen = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_journal_lines", x => x.id);
                    table.CheckConstraint("ck_journal_lines_amount_not_zero", "amount_fen <> 0");
                    table.ForeignKey(
                        name: "fk_journal_lines_journal_entries_entry_id",
                        column: x => x.entry_id,
                        principalTable: "journal_entries",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "payment_refunds",
                columns: table => new
                {
                    out_refund_no = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    out_trade_no = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    amount_fen = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    provider_refund_no = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payment_refunds", x => x.out_refund_no);
                    table.ForeignKey(
                        name: "fk_payment_refunds_payment_orders_out_trade_no",
                        column: x => x.out_trade_no,
                        principalTable: "payment_orders",
                        principalColumn: "out_trade_no",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "subscriptions",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    plan_code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    current_period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    current_period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cancel_at_period_end = table.Column<bool>(type: "boolean", nullable: false),
                    scheduled_plan_code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subscriptions", x => x.user_id);
                    table.CheckConstraint("ck_subscriptions_period", "current_period_end > current_period_start");
                    table.ForeignKey(
                        name: "fk_subscriptions_plans_plan_code",
                        column: x => x.plan_code,
                        principalTable: "plans",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_subscriptions_plans_scheduled_plan_code",
                        column: x => x.scheduled_plan_code,
                        principalTable: "plans",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_subscriptions_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "rate_card_prices",
                columns: table => new
                {
                    rate_card_id = table.Column<int>(type: "integer", nullable: false),
                    model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    input_fen_per_million = table.Column<long>(type: "bigint", nullable: false),
                    cached_input_fen_per_million = table.Column<long>(type: "bigint", nullable: false),
                    output_fen_per_million = table.Column<long>(type: "bigint", nullable: false),
                    sandbox_fen_per_minute = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rate_card_prices", x => new { x.rate_card_id, x.model });
                    table.ForeignKey(
                        name: "fk_rate_card_prices_rate_cards_rate_card_id",
                        column: x => x.rate_card_id,
                        principalTable: "rate_cards",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                table: "plans",
                columns: new[] { "code", "concurrent_run_limit", "credit_limit_fen", "included_sandbox_minutes", "included_tokens", "max_run_budget_fen", "monthly_price_fen", "name", "overage_rate_card", "rank" },
                values: new object[,]
                {
                    { "enterprise", 50, 1000000L, 20000, 200000000L, 500000L, 299900L, "Enterprise", "standard", 3 },
                    { "free", 1, 0L, 60, 200000L, 1000L, 0L, "Free", "standard", 0 },
                    { "pro", 3, 0L, 600, 5000000L, 10000L, 9900L, "Pro", "standard", 1 },
                    { "team", 10, 0L, 3000, 30000000L, 50000L, 49900L, "Team", "standard", 2 }
                });

            migrationBuilder.InsertData(
                table: "rate_cards",
                columns: new[] { "id", "effective_from", "name", "version" },
                values: new object[] { 1, new DateTimeOffset(new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), "standard", 1 });

            migrationBuilder.InsertData(
                table: "rate_card_prices",
                columns: new[] { "model", "rate_card_id", "cached_input_fen_per_million", "input_fen_per_million", "output_fen_per_million", "sandbox_fen_per_minute" },
                values: new object[] { "*", 1, 3750L, 15000L, 15000L, 10L });

            migrationBuilder.CreateIndex(
                name: "ix_journal_entries_key",
                table: "journal_entries",
                column: "key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_journal_entries_run_id",
                table: "journal_entries",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_journal_entries_user_id_created_at",
                table: "journal_entries",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_journal_lines_account_entry_id",
                table: "journal_lines",
                columns: new[] { "account", "entry_id" });

            migrationBuilder.CreateIndex(
                name: "ix_journal_lines_entry_id",
                table: "journal_lines",
                column: "entry_id");

            migrationBuilder.CreateIndex(
                name: "ix_journal_lines_user_id_entry_id",
                table: "journal_lines",
                columns: new[] { "user_id", "entry_id" });

            migrationBuilder.CreateIndex(
                name: "ix_payment_orders_pending",
                table: "payment_orders",
                column: "created_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_payment_orders_user_id_created_at",
                table: "payment_orders",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_payment_refunds_out_trade_no",
                table: "payment_refunds",
                column: "out_trade_no");

            migrationBuilder.CreateIndex(
                name: "ix_rate_cards_name_effective_from",
                table: "rate_cards",
                columns: new[] { "name", "effective_from" });

            migrationBuilder.CreateIndex(
                name: "ix_rate_cards_name_version",
                table: "rate_cards",
                columns: new[] { "name", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_subscriptions_plan_code",
                table: "subscriptions",
                column: "plan_code");

            migrationBuilder.CreateIndex(
                name: "ix_subscriptions_scheduled_plan_code",
                table: "subscriptions",
                column: "scheduled_plan_code");

            // The ledger's rules, in the database so they hold whatever code writes (docs/decisions/0008-billing-ledger.md).
            // Row-level security: a user reads only their own journal, wallet, subscription and orders. The services'
            // login cannot write the journal or wallets at all (ApplicationRole revokes it): every posting goes through
            // billing_post_entry, which acts only for the connection's own user.
            migrationBuilder.Sql("""
                ALTER TABLE journal_entries ENABLE ROW LEVEL SECURITY;
                CREATE POLICY journal_entries_owner ON journal_entries FOR SELECT USING (user_id = app_current_user_id());
                ALTER TABLE journal_lines ENABLE ROW LEVEL SECURITY;
                CREATE POLICY journal_lines_owner ON journal_lines FOR SELECT USING (user_id = app_current_user_id());
                ALTER TABLE wallets ENABLE ROW LEVEL SECURITY;
                CREATE POLICY wallets_owner ON wallets FOR SELECT USING (user_id = app_current_user_id());
                ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
                CREATE POLICY subscriptions_owner ON subscriptions
                    USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
                ALTER TABLE payment_orders ENABLE ROW LEVEL SECURITY;
                CREATE POLICY payment_orders_owner ON payment_orders
                    USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
                ALTER TABLE payment_refunds ENABLE ROW LEVEL SECURITY;
                CREATE POLICY payment_refunds_owner ON payment_refunds
                    USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());

                -- Every entry balances: checked at commit (deferred), once its lines are all written, for an entry
                -- and for each of its lines, so neither an entry without lines nor an unbalanced line slips through.
                CREATE FUNCTION journal_entry_must_balance() RETURNS trigger
                    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                DECLARE
                    v_entry bigint;
                    v_lines integer;
                    v_sum numeric;
                BEGIN
                    IF TG_TABLE_NAME = 'journal_entries' THEN
                        v_entry := NEW.id;
                    ELSE
                        v_entry := NEW.entry_id;
                    END IF;
                    SELECT count(*), coalesce(sum(amount_fen), 0) INTO v_lines, v_sum FROM journal_lines WHERE entry_id = v_entry;
                    IF v_lines < 2 OR v_sum <> 0 THEN
                        RAISE EXCEPTION 'journal entry % does not balance: % lines summing to % fen', v_entry, v_lines, v_sum
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER journal_entries_balance AFTER INSERT ON journal_entries
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_must_balance();
                CREATE CONSTRAINT TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_must_balance();

                -- Posted entries are history: never rewritten, never removed.
                CREATE FUNCTION journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
                    FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();
                CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
                    FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();

                -- The one way money moves. Acting only for the connection's user, it locks that user's wallet row, so
                -- postings for one user serialise; a key posted before returns its entry and moves nothing (the
                -- unique index is the last word if two users ever raced for one key); a debit that would take the
                -- balance below minus the plan's credit limit is refused with nothing written; otherwise the entry,
                -- its lines and the wallet's cached balance are written together. Debits are positive; the wallet
                -- is a liability, so the user's balance is minus the sum of its lines.
                CREATE FUNCTION billing_post_entry(
                    p_key text, p_kind text, p_user uuid, p_memo text, p_run_id uuid, p_rate_card text, p_rate_card_version integer,
                    p_payment_order text, p_accounts text[], p_amounts bigint[], p_allow_overdraw boolean)
                    RETURNS TABLE (entry_id bigint, outcome text, balance_fen bigint, credit_limit_fen bigint)
                    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                #variable_conflict use_column
                DECLARE
                    v_wallet text := 'wallet:' || p_user::text;
                    v_delta bigint := 0;
                    v_limit bigint;
                    v_balance bigint;
                    v_entry bigint;
                    v_owner uuid;
                BEGIN
                    IF p_user IS NULL OR p_user IS DISTINCT FROM app_current_user_id() THEN
                        RAISE EXCEPTION 'billing_post_entry acts only for the connection''s own user' USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    IF p_key IS NULL OR length(p_key) NOT BETWEEN 1 AND 200 OR p_kind IS NULL THEN
                        RAISE EXCEPTION 'an entry needs a key of 1-200 characters and a kind' USING ERRCODE = 'invalid_parameter_value';
                    END IF;
                    IF coalesce(cardinality(p_accounts), 0) < 2 OR cardinality(p_accounts) <> cardinality(p_amounts)
                       OR EXISTS (SELECT FROM unnest(p_accounts, p_amounts) AS l(account, amount)
                                  WHERE l.account IS NULL OR l.amount IS NULL OR l.amount = 0) THEN
                        RAISE EXCEPTION 'an entry has two or more lines, each with an account and a non-zero amount'
                            USING ERRCODE = 'invalid_parameter_value';
                    END IF;
                    IF (SELECT sum(a) FROM unnest(p_amounts) AS a) <> 0 THEN
                        RAISE EXCEPTION 'entry % does not balance', p_key USING ERRCODE = 'check_violation';
                    END IF;
                    SELECT coalesce(sum(l.amount), 0) INTO v_delta FROM unnest(p_accounts, p_amounts) AS l(account, amount)
                     WHERE l.account = v_wallet;
                    IF EXISTS (SELECT FROM unnest(p_accounts) AS a WHERE a LIKE 'wallet:%' AND a <> v_wallet) THEN
                        RAISE EXCEPTION 'an entry moves only its own user''s wallet' USING ERRCODE = 'insufficient_privilege';
                    END IF;

                    SELECT coalesce((SELECT p.credit_limit_fen FROM subscriptions s JOIN plans p ON p.code = s.plan_code
                                      WHERE s.user_id = p_user), 0) INTO v_limit;
                    INSERT INTO wallets (user_id, balance_fen, credit_limit_fen, updated_at) VALUES (p_user, 0, v_limit, now())
                        ON CONFLICT (user_id) DO NOTHING;
                    SELECT w.balance_fen INTO v_balance FROM wallets w WHERE w.user_id = p_user FOR UPDATE;

                    SELECT e.id, e.user_id INTO v_entry, v_owner FROM journal_entries e WHERE e.key = p_key;
                    IF FOUND THEN
                        IF v_owner <> p_user THEN
                            RAISE EXCEPTION 'the key % belongs to another user''s entry', p_key USING ERRCODE = 'unique_violation';
                        END IF;
                        RETURN QUERY SELECT v_entry, 'already_posted'::text, v_balance, v_limit;
                        RETURN;
                    END IF;
                    IF v_delta > 0 AND NOT p_allow_overdraw AND v_balance - v_delta < -v_limit THEN
                        RETURN QUERY SELECT NULL::bigint, 'insufficient_funds'::text, v_balance, v_limit;
                        RETURN;
                    END IF;

                    INSERT INTO journal_entries (key, kind, user_id, created_at, memo, run_id, rate_card, rate_card_version, payment_order)
                        VALUES (p_key, p_kind, p_user, now(), p_memo, p_run_id, p_rate_card, p_rate_card_version, p_payment_order)
                        RETURNING id INTO v_entry;
                    INSERT INTO journal_lines (entry_id, user_id, account, amount_fen)
                        SELECT v_entry, p_user, l.account, l.amount FROM unnest(p_accounts, p_amounts) AS l(account, amount);
                    UPDATE wallets w SET balance_fen = w.balance_fen - v_delta, credit_limit_fen = v_limit, updated_at = now()
                     WHERE w.user_id = p_user
                    RETURNING w.balance_fen INTO v_balance;
                    RETURN QUERY SELECT v_entry, 'posted'::text, v_balance, v_limit;
                END $$;
                REVOKE ALL ON FUNCTION billing_post_entry(text, text, uuid, text, uuid, text, integer, text, text[], bigint[], boolean) FROM PUBLIC;

                -- A provider's notification arrives with no user: this tells whose order it is, and nothing else.
                CREATE FUNCTION billing_payment_order_owner(p_provider text, p_out_trade_no text) RETURNS uuid
                    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
                        SELECT o.user_id FROM payment_orders o WHERE o.out_trade_no = p_out_trade_no AND o.provider = p_provider
                    $$;
                REVOKE ALL ON FUNCTION billing_payment_order_owner(text, text) FROM PUBLIC;

                -- The reconciliation job's queue across tenants: claims pending orders older than p_older_than that no
                -- worker has claimed within the lease, skipping rows another worker is claiming right now.
                CREATE FUNCTION billing_claim_pending_orders(p_older_than timestamptz, p_lease interval, p_max integer)
                    RETURNS TABLE (out_trade_no text, user_id uuid, provider text, expires_at timestamptz)
                    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
                        UPDATE payment_orders o SET next_check_at = now() + p_lease
                         WHERE o.out_trade_no IN (
                               SELECT c.out_trade_no FROM payment_orders c
                                WHERE c.status = 'pending' AND c.created_at < p_older_than
                                  AND (c.next_check_at IS NULL OR c.next_check_at <= now())
                                ORDER BY c.created_at
                                LIMIT p_max
                                FOR UPDATE SKIP LOCKED)
                        RETURNING o.out_trade_no::text, o.user_id, o.provider::text, o.expires_at
                    $$;
                REVOKE ALL ON FUNCTION billing_claim_pending_orders(timestamptz, interval, integer) FROM PUBLIC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP FUNCTION billing_claim_pending_orders(timestamptz, interval, integer);
                DROP FUNCTION billing_payment_order_owner(text, text);
                DROP FUNCTION billing_post_entry(text, text, uuid, text, uuid, text, integer, text, text[], bigint[], boolean);
                DROP TRIGGER journal_lines_append_only ON journal_lines;
                DROP TRIGGER journal_entries_append_only ON journal_entries;
                DROP FUNCTION journal_is_append_only();
                DROP TRIGGER journal_lines_balance ON journal_lines;
                DROP TRIGGER journal_entries_balance ON journal_entries;
                DROP FUNCTION journal_entry_must_balance();
                """);

            migrationBuilder.DropTable(
                name: "journal_lines");

            migrationBuilder.DropTable(
                name: "payment_refunds");

            migrationBuilder.DropTable(
                name: "rate_card_prices");

            migrationBuilder.DropTable(
                name: "subscriptions");

            migrationBuilder.DropTable(
                name: "wallets");

            migrationBuilder.DropTable(
                name: "journal_entries");

            migrationBuilder.DropTable(
                name: "payment_orders");

            migrationBuilder.DropTable(
                name: "rate_cards");

            migrationBuilder.DropTable(
                name: "plans");
        }
    }
}
