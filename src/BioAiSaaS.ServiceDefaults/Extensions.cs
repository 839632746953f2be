using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one place where every service gets telemetry, health checks, service discovery and
/// HTTP resilience. Services call <see cref="AddServiceDefaults{TBuilder}"/> and
/// <see cref="MapDefaultEndpoints"/>; nothing else configures these concerns.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    /// <summary>
    /// The share of traces kept, 0 to 1 (default 1: every trace, as development wants). Busy production services lower
    /// it: every database and Redis command is a span, so tracing them all costs about as much CPU as the work itself.
    /// A service keeps a trace when its caller kept it (parent-based), so traces are never cut in the middle.
    /// </summary>
    public const string TraceSampleRatioKey = "Telemetry:TraceSampleRatio";

    /// <summary>Activity sources and meters of our own, registered for every service.</summary>
    public static readonly string[] BioAiSaaSTelemetryNames = ["BioAiSaaS.*"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(BioAiSaaSTelemetryNames))
            .WithTracing(tracing => tracing
                .SetSampler(TraceSampler(builder.Configuration[TraceSampleRatioKey]))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(BioAiSaaSTelemetryNames)
                .AddAspNetCoreInstrumentation(options =>
                    // Probes hit these every few seconds; tracing them only buries real requests.
                    options.Filter = context => !IsHealthRequest(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    private static ParentBasedSampler TraceSampler(string? configured)
    {
        if (configured is null)
        {
            return new ParentBasedSampler(new AlwaysOnSampler());
        }
        if (!double.TryParse(configured, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio)
            || ratio is < 0 or > 1)
        {
            throw new InvalidOperationException($"{TraceSampleRatioKey} must be a number from 0 to 1; it is '{configured}'.");
        }
        return new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c> answers ready only when every registered check passes (databases, queues);
    /// <c>/alive</c> only says the process runs, so orchestrators restart it on that alone.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Probes are anonymous even where the service requires a caller for everything else.
        app.MapHealthChecks(HealthEndpointPath).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        }).AllowAnonymous();
        return app;
    }

    private static bool IsHealthRequest(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AlivenessEndpointPath);
}
