using BioAiSaaS.Core.Data;
using BioAiSaaS.MigrationService;

// Applies the database migrations once and exits; the AppHost makes every other service wait for it.
var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddBioDatabase();
builder.Services.AddHostedService<DatabaseMigrator>();

builder.Build().Run();
