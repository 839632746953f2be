using System.Net;
using System.Net.Http.Json;
using System.Text;
using BioAiSaaS.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Tests.Runs;

/// <summary>Bad input gets a 4xx with problem details and writes nothing.</summary>
[Collection(StackCollection.Name)]
public sealed class RunInputValidationTests(StackFixture stack)
{
    public static TheoryData<string, string, string> InvalidSubmissions => new()
    {
        { "empty code", """{"language":"python","code":""}""", "code" },
        { "blank code", """{"language":"python","code":"   \n  "}""", "code" },
        { "missing code", """{"language":"python"}""", "code" },
        { "oversized code", $$"""{"language":"python","code":"{{new string('x', 64 * 1024 + 1)}}"}""", "code" },
        { "unknown language", """{"language":"cobol","code":"print(1)"}""", "language" },
        { "missing language", """{"code":"print(1)"}""", "language" },
        { "negative timeout", """{"language":"python","code":"print(1)","timeoutSeconds":-1}""", "timeoutSeconds" },
        { "zero timeout", """{"language":"python","code":"print(1)","timeoutSeconds":0}""", "timeoutSeconds" },
        { "timeout too long", """{"language":"python","code":"print(1)","timeoutSeconds":100000}""", "timeoutSeconds" },
    };

    [Theory]
    [MemberData(nameof(InvalidSubmissions))]
    public async Task Invalid_submission_is_rejected_with_a_validation_problem_and_stores_nothing(
        string because, string json, string field)
    {
        var before = await CountRunsAsync();

        var response = await PostRawAsync(json);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, because);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(TestContext.Current.CancellationToken);
        Assert.Contains(field, problem!.Errors.Keys);
        Assert.Equal(before, await CountRunsAsync());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"language":"python","code":"print(1)","timeoutSeconds":"soon"}""")]
    [InlineData("[1,2,3]")]
    public async Task Malformed_json_is_rejected_with_a_problem_and_stores_nothing(string json)
    {
        var before = await CountRunsAsync();

        var response = await PostRawAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await CountRunsAsync());
    }

    [Fact]
    public async Task Body_larger_than_a_megabyte_is_refused_as_too_large()
    {
        // Expect: 100-continue lets the server refuse on the declared length before the body is sent; without it
        // the server's early 413 and close race the client's upload (a broken pipe instead of the answer).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/runs")
        {
            Content = new StringContent($$"""{"language":"python","code":"{{new string('x', 2 << 20)}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;

        var response = await stack.Api.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_run_id_is_a_not_found_problem()
    {
        var response = await stack.Api.GetAsync($"/api/runs/{Guid.NewGuid()}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(TestContext.Current.CancellationToken);
        Assert.Equal("Run not found", problem!.Title);
    }

    [Fact]
    public async Task Run_id_that_is_not_a_guid_is_a_not_found_problem()
    {
        var response = await stack.Api.GetAsync("/api/runs/not-a-guid", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private Task<HttpResponseMessage> PostRawAsync(string json) =>
        stack.Api.PostAsync("/api/runs", new StringContent(json, Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

    private async Task<int> CountRunsAsync()
    {
        await using var db = stack.CreateDbContext();
        return await db.Runs.CountAsync(TestContext.Current.CancellationToken);
    }
}
