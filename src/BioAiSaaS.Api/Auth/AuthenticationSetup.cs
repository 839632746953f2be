using BioAiSaaS.Api.ApiKeys;
using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Email;
using BioAiSaaS.Api.RateLimiting;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Hosting;
using BioAiSaaS.Core.Identity;
using BioAiSaaS.Core.Tenancy;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BioAiSaaS.Api.Auth;

/// <summary>Accounts (ASP.NET Core Identity), tokens, API keys, authorization and the request's tenant.</summary>
public static class AuthenticationSetup
{
    /// <summary>Picks the API-key or the JWT handler for each request.</summary>
    private const string CombinedScheme = "Bearer-or-ApiKey";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TokenOptions>(TokenOptions.Section);
        builder.AddValidatedOptions<AccountOptions>(AccountOptions.Section);
        builder.AddValidatedOptions<SmtpOptions>(SmtpOptions.Section);
        builder.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpContextAccessor();

        // One key ring for all replicas, in PostgreSQL: Identity's mailed tokens and the signing keys' encryption.
        builder.Services.AddDataProtection().SetApplicationName("BioAiSaaS").PersistKeysToDbContext<BioDbContext>();
        builder.Services.AddIdentityCore<User>(ConfigureIdentity)
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<BioDbContext>()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<PasswordRules>();
        // Replaces the store AddEntityFrameworkStores registered: recovery codes are stored hashed.
        builder.Services.AddScoped<IUserStore<User>, HashedRecoveryCodesUserStore>();
        // Tests (and operators) may shorten lockout and similar settings.
        builder.Services.Configure<IdentityOptions>(builder.Configuration.GetSection("Identity"));
        builder.Services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromHours(24));

        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddHostedService<SigningKeyRotator>();
        builder.Services.AddSingleton<Revocations>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ApiKeyCache>();
        builder.Services.AddSingleton<RedisRateLimiter>();
        builder.Services.AddScoped<TokenService>();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<EmailSender>();

        builder.Services.AddAuthentication(CombinedScheme)
            .AddPolicyScheme(CombinedScheme, "JWT or API key", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.IsPresent(context.Request) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<TokenOptions>, SigningKeyStore, CachingJsonWebTokenHandler>(ConfigureJwtBearer);
        builder.Services.AddSingleton<CachingJsonWebTokenHandler>();

        builder.Services.AddAuthorization(Policies.Add);
        builder.Services.AddSingleton<IAuthorizationHandler, AccountRequirementsHandler>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForbiddenProblemHandler>();
        return builder;
    }

    /// <summary>Authentication, then the tenant for row-level security, then authorization.</summary>
    public static WebApplication UseAccounts(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use((context, next) =>
        {
            if (context.User.UserId() is { } userId)
            {
                context.RequestServices.GetRequiredService<CurrentTenant>().Set(userId);
            }
            return next(context);
        });
        app.UseAuthorization();
        return app;
    }

    private static void ConfigureIdentity(IdentityOptions options)
    {
        // Length over composition rules (NIST SP 800-63B); PasswordRules refuses common passwords.
        options.Password.RequiredLength = 10;
        options.Password.RequiredUniqueChars = 5;
        options.Password.RequireDigit = false;
        options.Password.RequireLowercase = false;
        options.Password.RequireUppercase = false;
        options.Password.RequireNonAlphanumeric = false;
        options.Lockout.AllowedForNewUsers = true;
        options.Lockout.MaxFailedAccessAttempts = 5;
        options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
        // WeChat accounts may have no e-mail; uniqueness of those that do is a unique index (race-free).
        options.User.RequireUniqueEmail = false;
        options.User.AllowedUserNameCharacters += "+";
        options.ClaimsIdentity.UserIdClaimType = JwtRegisteredClaimNames.Sub;
        options.ClaimsIdentity.RoleClaimType = "role";
    }

    private static void ConfigureJwtBearer(JwtBearerOptions options, IOptions<TokenOptions> tokens, SigningKeyStore keys,
        CachingJsonWebTokenHandler handler)
    {
        options.MapInboundClaims = false;
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(handler);
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = tokens.Value.Issuer,
            ValidAudience = tokens.Value.Audience,
            // Only our algorithm: "none", HS256 with the public key as secret and friends are refused outright.
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            IssuerSigningKeyResolver = (_, _, _, _) => keys.ValidationKeys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = JwtRegisteredClaimNames.Sub,
            RoleClaimType = "role",
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = async context =>
            {
                var revocations = context.HttpContext.RequestServices.GetRequiredService<Revocations>();
                if (context.Principal?.SessionId() is not { } session || await revocations.IsSessionRevokedAsync(session))
                {
                    context.Fail("The session was signed out.");
                }
            },
        };
    }
}
