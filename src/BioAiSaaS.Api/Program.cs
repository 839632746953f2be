using BioAiSaaS.Api.Runs;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBioDatabase();
builder.AddRedisClient(RunQueue.ConnectionName);
builder.Services.AddProblemDetails();
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
