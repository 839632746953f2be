using System.Net;
using System.Text.Json;
using Aspire.Hosting.Testing;
using BioAiSaaS.Tests.Infrastructure;

namespace BioAiSaaS.Tests.Runs;

/// <summary>What a developer or an orchestrator finds on the running Api besides the runs themselves.</summary>
[Collection(StackCollection.Name)]
public sealed class ApiSurfaceTests(StackFixture stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAPI_document_describes_the_runs_endpoints_and_their_problems()
    {
        using var document = JsonDocument.Parse(await stack.Api.GetStringAsync("/openapi/v1.json", Ct));

        var paths = document.RootElement.GetProperty("paths");
        var submit = paths.GetProperty("/api/runs").GetProperty("post").GetProperty("responses");
        Assert.True(submit.TryGetProperty("202", out _));
        Assert.True(submit.TryGetProperty("400", out _));
        Assert.True(submit.TryGetProperty("413", out _));
        var get = paths.GetProperty("/api/runs/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(get.TryGetProperty("200", out _));
        Assert.True(get.TryGetProperty("404", out _));
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.True(paths.TryGetProperty("/api/auth/login", out _));
        Assert.True(paths.TryGetProperty("/.well-known/jwks.json", out _));
    }

    [Fact]
    public async Task API_reference_page_is_served()
    {
        var response = await stack.Api.GetAsync("/scalar/v1", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("api", "/health")]
    [InlineData("api", "/alive")]
    [InlineData("worker", "/health")]
    [InlineData("sandbox", "/health")]
    public async Task Services_answer_their_health_probes(string service, string path)
    {
        using var client = stack.App.CreateHttpClient(service);

        var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }
}
