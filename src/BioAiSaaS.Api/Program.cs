using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// Requests fail fast (503, see DatabaseUnavailableHandler) rather than hang through a long retry policy.
builder.AddBioDatabase(failFast: true);
builder.AddRedisClient(RunQueue.ConnectionName);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
builder.Services.AddOpenApi();
builder.AddRunsFeature();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapOpenApi();
app.MapScalarApiReference();
app.MapRunsApi();
app.MapDefaultEndpoints();

app.Run();
