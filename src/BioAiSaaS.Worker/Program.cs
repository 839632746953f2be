using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Worker.Runs;
using BioAiSaaS.Worker.Sandbox;

// Takes runs off the queue and executes them in the sandbox; sweeps runs that missed the queue.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBioDatabase();
builder.AddRedisClient(RunQueue.ConnectionName);
builder.AddSandboxClient();
builder.AddRunProcessing();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
