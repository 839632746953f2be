using BioAiSaaS.SandboxHost.Executions;
using BioAiSaaS.SandboxHost.Isolation;
using BioAiSaaS.SandboxHost.Sessions;

// Runs untrusted code for the Worker. Holds no credentials and no database connection.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddProblemDetails();
builder.AddSandboxIsolation();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapExecutionsApi();
app.MapSessionsApi();
app.MapDefaultEndpoints();

app.Run();
