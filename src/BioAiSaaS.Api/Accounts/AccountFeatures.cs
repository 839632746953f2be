using BioAiSaaS.Api.Auth;

namespace BioAiSaaS.Api.Accounts;

public static class AccountFeatures
{
    /// <summary>The services behind the account endpoints (mails, second-factor challenges).</summary>
    public static IHostApplicationBuilder AddAccountFeatures(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<AccountEmails>();
        builder.Services.AddScoped<TwoFactorChallenge>();
        return builder;
    }
}
