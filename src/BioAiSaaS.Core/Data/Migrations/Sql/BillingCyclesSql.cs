namespace BioAiSaaS.Core.Data.Migrations.Sql;

/// <summary>
/// The raw SQL of the BillingCycles migration (docs/decisions/0010-billing-cycles.md), kept apart so the migration can
/// be regenerated on a merge: row-level security for the new tables, the invoice number sequence, immutability of
/// finalised invoices, and the SECURITY DEFINER functions the Worker's jobs use to find work across tenants.
/// </summary>
public static class BillingCyclesSql
{
    public const string Up = """
        ALTER TABLE usage_periods ENABLE ROW LEVEL SECURITY;
        CREATE POLICY usage_periods_owner ON usage_periods USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
        ALTER TABLE usage_period_items ENABLE ROW LEVEL SECURITY;
        CREATE POLICY usage_period_items_owner ON usage_period_items USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
        ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
        CREATE POLICY invoices_owner ON invoices USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
        ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
        CREATE POLICY invoice_lines_owner ON invoice_lines USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
        ALTER TABLE invoice_entries ENABLE ROW LEVEL SECURITY;
        CREATE POLICY invoice_entries_owner ON invoice_entries USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());

        -- Invoice numbers: unique and increasing; a rolled-back finalisation leaves a gap (documented).
        CREATE SEQUENCE invoice_number_seq;

        -- A finalised invoice is a document that was issued: it, its lines and its entries never change again.
        CREATE FUNCTION invoice_is_final_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            v_invoice bigint;
        BEGIN
            IF TG_TABLE_NAME = 'invoices' THEN
                IF OLD.status = 'final' THEN
                    RAISE EXCEPTION 'invoice % is final and cannot change', OLD.number USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END IF;
            v_invoice := CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END;
            IF EXISTS (SELECT FROM invoices i WHERE i.id = v_invoice AND i.status = 'final') THEN
                RAISE EXCEPTION 'invoice % is final and cannot change', v_invoice USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$;
        CREATE TRIGGER invoices_final BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoice_is_final_guard();
        CREATE TRIGGER invoice_lines_final BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION invoice_is_final_guard();
        CREATE TRIGGER invoice_entries_final BEFORE INSERT OR UPDATE OR DELETE ON invoice_entries FOR EACH ROW EXECUTE FUNCTION invoice_is_final_guard();

        -- The ingestion job's work list across tenants: users with unbilled usage, and nothing else about them.
        CREATE FUNCTION billing_users_with_unbilled_usage(p_max integer) RETURNS TABLE (user_id uuid)
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
                SELECT DISTINCT u.owner_id FROM usage_events u WHERE u.billed_at IS NULL LIMIT p_max
            $$;
        REVOKE ALL ON FUNCTION billing_users_with_unbilled_usage(integer) FROM PUBLIC;

        -- The billing cycle's work lists: subscriptions whose period has ended, and invoices waiting to be finalised.
        CREATE FUNCTION billing_subscriptions_due(p_at timestamptz, p_max integer) RETURNS TABLE (user_id uuid)
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
                SELECT s.user_id FROM subscriptions s WHERE s.current_period_end <= p_at ORDER BY s.current_period_end LIMIT p_max
            $$;
        REVOKE ALL ON FUNCTION billing_subscriptions_due(timestamptz, integer) FROM PUBLIC;
        CREATE FUNCTION billing_draft_invoices(p_max integer) RETURNS TABLE (invoice_id bigint, user_id uuid)
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
                SELECT i.id, i.user_id FROM invoices i WHERE i.status = 'draft' ORDER BY i.id LIMIT p_max
            $$;
        REVOKE ALL ON FUNCTION billing_draft_invoices(integer) FROM PUBLIC;
        """;

    public const string Down = """
        DROP FUNCTION billing_draft_invoices(integer);
        DROP FUNCTION billing_subscriptions_due(timestamptz, integer);
        DROP FUNCTION billing_users_with_unbilled_usage(integer);
        DROP TRIGGER invoice_entries_final ON invoice_entries;
        DROP TRIGGER invoice_lines_final ON invoice_lines;
        DROP TRIGGER invoices_final ON invoices;
        DROP FUNCTION invoice_is_final_guard();
        DROP SEQUENCE invoice_number_seq;
        """;
}
