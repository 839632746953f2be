-- wrk reporter: one line "requests/s p50_ms p95_ms p99_ms non_2xx" (wrk itself prints no p95).
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, non2xx))
end
