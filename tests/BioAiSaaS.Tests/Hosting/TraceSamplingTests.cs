using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace BioAiSaaS.Tests.Hosting;

/// <summary>The service defaults' trace sampling (<see cref="Extensions.TraceSampleRatioKey"/>), on a host built as a service builds it.</summary>
public sealed class TraceSamplingTests
{
    [Fact]
    public void Without_a_ratio_every_trace_is_recorded()
    {
        using var host = Build(ratio: null);

        Assert.Equal(200, RecordedRootsOf(200));
    }

    [Fact]
    public void A_ratio_of_zero_records_no_new_trace_but_keeps_one_its_caller_kept()
    {
        using var host = Build("0");
        using var source = new ActivitySource(SourceName());

        using (var root = source.StartActivity("root"))
        {
            Assert.True(root is null || !root.Recorded);
        }
        // A request that arrives with a sampled traceparent stays in its trace: parent-based.
        var sampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var child = source.StartActivity("child", ActivityKind.Server, sampledParent);
        Assert.NotNull(child);
        Assert.True(child.Recorded);
    }

    [Fact]
    public void A_ratio_between_keeps_about_that_share_of_traces()
    {
        using var host = Build("0.25");

        var recorded = RecordedRootsOf(2000);

        // Trace ids are random: 500 expected, the bounds are more than six standard deviations (19.4) away.
        Assert.InRange(recorded, 380, 620);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("half")]
    public void A_ratio_outside_zero_to_one_stops_the_service_at_start(string ratio)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(ratio));

        Assert.Contains(Extensions.TraceSampleRatioKey, error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(string? ratio)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        if (ratio is not null)
        {
            builder.Configuration[Extensions.TraceSampleRatioKey] = ratio;
        }
        builder.AddServiceDefaults();
        var host = builder.Build();
        // The tracer provider starts listening when it is first resolved, as the hosted service does at start.
        host.Services.GetRequiredService<TracerProvider>();
        return host;
    }

    private static int RecordedRootsOf(int count)
    {
        using var source = new ActivitySource(SourceName());
        var recorded = 0;
        for (var i = 0; i < count; i++)
        {
            using var activity = source.StartActivity("root");
            if (activity is { Recorded: true })
            {
                recorded++;
            }
        }
        return recorded;
    }

    /// <summary>One of ours (the defaults trace "BioAiSaaS.*"), and a new one per test so tests do not share listeners' caches.</summary>
    private static string SourceName() => $"BioAiSaaS.Tests.Sampling.{Guid.NewGuid():N}";
}
