-- Where the time of the last 60 runs went, from the run rows themselves (milliseconds):
-- queue lag (accepted -> claimed), worker time (claimed -> result stored), and the sandbox's own duration.
WITH r AS (
  SELECT extract(epoch FROM started_at - created_at) * 1000 AS lag,
         extract(epoch FROM finished_at - started_at) * 1000 AS work,
         outcome_duration_ms AS sandbox
    FROM runs ORDER BY created_at DESC LIMIT 60)
SELECT round(percentile_cont(0.5)  WITHIN GROUP (ORDER BY lag)::numeric, 1)     AS lag_median,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY lag)::numeric, 1)     AS lag_p95,
       round(percentile_cont(0.5)  WITHIN GROUP (ORDER BY work)::numeric, 1)    AS work_median,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY work)::numeric, 1)    AS work_p95,
       round(percentile_cont(0.5)  WITHIN GROUP (ORDER BY sandbox)::numeric, 1) AS sandbox_median,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY sandbox)::numeric, 1) AS sandbox_p95
  FROM r;
