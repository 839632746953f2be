namespace BioAiSaaS.Core.Data.Migrations.Sql;

/// <summary>
/// The raw SQL of the RunBilling migration, kept apart from the generated code so the migration can be regenerated
/// (docs/decisions/0011-run-billing.md): row-level security, the auto-accept function and the task-template seed.
/// </summary>
public static class RunBillingSql
{
    public const string Up = """
        -- Templates are catalogue data: everyone reads them, only migrations (the owner) write them. A SELECT-only
        -- policy is enough for that, since the services' login has no policy that lets it insert, update or delete.
        ALTER TABLE task_templates ENABLE ROW LEVEL SECURITY;
        CREATE POLICY task_templates_read ON task_templates FOR SELECT USING (true);

        ALTER TABLE billing_settings ENABLE ROW LEVEL SECURITY;
        CREATE POLICY billing_settings_owner ON billing_settings
            USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
        ALTER TABLE run_charges ENABLE ROW LEVEL SECURITY;
        CREATE POLICY run_charges_owner ON run_charges
            USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());
        ALTER TABLE run_quotes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY run_quotes_owner ON run_quotes
            USING (user_id = app_current_user_id()) WITH CHECK (user_id = app_current_user_id());

        -- Accepts outcomes whose reject window has passed, for every user. SKIP LOCKED: a row a user is rejecting (or
        -- another worker is accepting) right now is left for the next round, where its status tells the truth.
        CREATE FUNCTION billing_auto_accept_outcomes(p_now timestamptz, p_max integer) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        DECLARE
            v_count integer;
        BEGIN
            WITH due AS (
                SELECT run_id FROM run_charges
                 WHERE outcome_status = 'pending' AND outcome_accept_by <= p_now
                 ORDER BY outcome_accept_by
                 LIMIT p_max
                 FOR UPDATE SKIP LOCKED)
            UPDATE run_charges c SET outcome_status = 'accepted', outcome_decided_at = p_now
              FROM due WHERE c.run_id = due.run_id;
            GET DIAGNOSTICS v_count = ROW_COUNT;
            RETURN v_count;
        END $$;
        REVOKE ALL ON FUNCTION billing_auto_accept_outcomes(timestamptz, integer) FROM PUBLIC;

        -- The seed's outcome-priced template (¥50 per successful CRISPR screen design) and a token-priced example.
        INSERT INTO task_templates (code, name, description, billing_mode, price_fen, default_max_tokens, rank) VALUES
            ('crispr-screen-design', 'CRISPR screen design',
             'Design a CRISPR screen: guides per gene with on-target scores and off-target checks. Outcome-priced: ¥50, charged only when the run succeeds; reject the outcome within the window for a refund.',
             'outcome-based', 5000, NULL, 0),
            ('sequence-analysis', 'Sequence analysis',
             'ORFs, translation, composition and comparisons of DNA, RNA and protein sequences. Token-priced: tokens and sandbox time beyond the plan''s included amounts, at the standard rate card.',
             'token-based', 0, 100000, 1);
        """;

    public const string Down = """
        DROP FUNCTION IF EXISTS billing_auto_accept_outcomes(timestamptz, integer);
        """;
}
