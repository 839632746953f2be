using BioAiSaaS.Api.Accounts;
using BioAiSaaS.Api.Admin;
using BioAiSaaS.Api.ApiKeys;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Billing;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Api.Knowledge;
using BioAiSaaS.Api.Privacy;
using BioAiSaaS.Api.Projects;
using BioAiSaaS.Api.Runs;
using BioAiSaaS.Api.Tools;
using BioAiSaaS.Api.TwoFactor;
using BioAiSaaS.Api.WeChat;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Queue;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// Requests fail fast (503, see DependencyUnavailableHandler) rather than hang through a long retry policy.
builder.AddBioDatabase(failFast: true);
builder.AddRedisClient(RunQueue.ConnectionName);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<DependencyUnavailableHandler>();
builder.Services.AddOpenApi(options => options.AddDocumentTransformer<OpenApiSecurity>());
builder.AddAccounts();
builder.AddAccountFeatures();
builder.AddWeChatSignIn();
builder.AddRunsFeature();
builder.AddKnowledgeFeature();
builder.AddBillingFeature();
builder.AddFinanceReports();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAccounts();

app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference().AllowAnonymous();
app.MapSignInApi();
app.MapRegistrationApi();
app.MapWeChatApi();
app.MapAccountApi();
app.MapTwoFactorApi();
app.MapApiKeysApi();
app.MapPrivacyApi();
app.MapAdminApi();
app.MapFinanceReportsApi();
app.MapRunsApi();
app.MapProjectRunsApi();
app.MapRunArtifactsApi();
app.MapUsageApi();
app.MapToolsApi();
app.MapProjectsApi();
app.MapKnowledgeApi();
app.MapDocumentsApi();
app.MapBillingApi();
app.MapBenchmarkProbes(app.Configuration);
app.MapDefaultEndpoints();

app.Run();
