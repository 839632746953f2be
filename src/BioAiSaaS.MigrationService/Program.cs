using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Tools;
using BioAiSaaS.MigrationService;

// Applies the database migrations, ensures the services' login and every embedding model's index, seeds the built-in
// knowledge library (and gives it a newly configured model's vectors), and exits;
// the AppHost makes every other service wait for it.
var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
// As the owner: it changes the schema and creates the services' own login.
builder.AddBioDatabase(BioDatabase.OwnerConnectionName);
builder.AddValidatedOptions<ApplicationRoleOptions>(ApplicationRoleOptions.Section);
builder.AddEmbeddings();
builder.Services.AddScoped<LibrarySeeder>();
builder.Services.AddSingleton<EmbeddingBackfill>();
builder.Services.AddResearchTools(); // the library holds one entry per tool
builder.Services.AddHostedService<DatabaseMigrator>();

builder.Build().Run();
