using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using BioAiSaaS.Worker.Billing;
using BioAiSaaS.Worker.Knowledge;
using BioAiSaaS.Worker.Runs;
using BioAiSaaS.Worker.Sandbox;

// Takes runs off the queue and executes them in the sandbox; sweeps runs that missed the queue; ingests documents;
// reconciles payment orders whose notification never came.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBioDatabase();
// No Redis spans here: the queue is polled every second and each poll would be a trace of its own,
// burying the runs' traces on the dashboard. A run's trace starts at run.process (RunProcessor).
builder.AddRedisClient(RunQueue.ConnectionName, settings => settings.DisableTracing = true);
builder.AddSandboxClient();
builder.AddRunProcessing();
builder.AddKnowledgeIngestion();
builder.AddBillingJobs();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
