using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.MigrationService;

// Applies the database migrations, ensures the services' login, and exits; the AppHost makes every other service wait for it.
var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
// As the owner: it changes the schema and creates the services' own login.
builder.AddBioDatabase(BioDatabase.OwnerConnectionName);
builder.AddValidatedOptions<ApplicationRoleOptions>(ApplicationRoleOptions.Section);
builder.Services.AddHostedService<DatabaseMigrator>();

builder.Build().Run();
