namespace BioAiSaaS.Core.Data.Migrations.Sql;

/// <summary>
/// Cross-tenant aggregates for the admin finance reports. Row-level security keeps the journal, usage and subscriptions
/// to their owners, so these SECURITY DEFINER functions read them whole, and first check that the connection acts for
/// an admin: the app role alone cannot use them to see other tenants.
/// </summary>
public static class FinanceReportsSql
{
    public const string Up = """
        CREATE FUNCTION finance_require_admin() RETURNS void
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                            WHERE ur.user_id = app_current_user_id() AND r.normalized_name = 'ADMIN') THEN
                RAISE EXCEPTION 'finance reports are for admins' USING ERRCODE = 'insufficient_privilege';
            END IF;
        END $$;

        -- Journal lines per Beijing-time day, account, entry kind and the user's current plan.
        CREATE FUNCTION finance_ledger(p_from timestamptz, p_to timestamptz)
            RETURNS TABLE (day date, account text, kind text, plan_code text, amount_fen bigint, entries bigint)
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            PERFORM finance_require_admin();
            RETURN QUERY
                SELECT (e.created_at AT TIME ZONE 'Asia/Shanghai')::date, l.account::text, e.kind::text,
                       coalesce(s.plan_code, 'free')::text, sum(l.amount_fen)::bigint, count(DISTINCT e.id)
                  FROM journal_entries e
                  JOIN journal_lines l ON l.entry_id = e.id
                  LEFT JOIN subscriptions s ON s.user_id = e.user_id
                 WHERE e.created_at >= p_from AND e.created_at < p_to
                 GROUP BY 1, 2, 3, 4;
        END $$;

        -- Model tokens and sandbox seconds per user in the range (cache hits excluded: no model was called).
        CREATE FUNCTION finance_usage(p_from timestamptz, p_to timestamptz)
            RETURNS TABLE (user_id uuid, email text, tokens numeric, sandbox_seconds numeric)
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            PERFORM finance_require_admin();
            RETURN QUERY
                SELECT u.owner_id, us.email::text,
                       coalesce(sum(u.quantity) FILTER (WHERE u.kind IN ('llm_input_tokens', 'llm_output_tokens')), 0),
                       coalesce(sum(u.quantity) FILTER (WHERE u.kind = 'sandbox_seconds'), 0)
                  FROM usage_events u
                  LEFT JOIN users us ON us.id = u.owner_id
                 WHERE u.created_at >= p_from AND u.created_at < p_to
                 GROUP BY 1, 2;
        END $$;

        -- Every subscription as it stands, with its plan's monthly price.
        CREATE FUNCTION finance_subscriptions()
            RETURNS TABLE (user_id uuid, plan_code text, status text, monthly_price_fen bigint, cancel_at_period_end boolean,
                           scheduled_plan_code text, updated_at timestamptz)
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            PERFORM finance_require_admin();
            RETURN QUERY
                SELECT s.user_id, s.plan_code::text, s.status::text, p.monthly_price_fen, s.cancel_at_period_end,
                       s.scheduled_plan_code::text, s.updated_at
                  FROM subscriptions s JOIN plans p ON p.code = s.plan_code;
        END $$;
        """;

    public const string Down = """
        DROP FUNCTION finance_subscriptions();
        DROP FUNCTION finance_usage(timestamptz, timestamptz);
        DROP FUNCTION finance_ledger(timestamptz, timestamptz);
        DROP FUNCTION finance_require_admin();
        """;
}
