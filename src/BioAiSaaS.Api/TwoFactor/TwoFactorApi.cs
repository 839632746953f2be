using BioAiSaaS.Api.Audit;
using BioAiSaaS.Api.Auth;
using BioAiSaaS.Api.Infrastructure;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using QRCoder;

namespace BioAiSaaS.Api.TwoFactor;

public sealed record AuthenticatorSetupResponse(string SharedKey, string OtpauthUri, string QrCodeSvg);
public sealed record CodeRequest(string? Code);
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary>
/// TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s, as every authenticator app expects):
/// set up a key, prove it with a code to turn 2FA on (which yields ten one-time recovery codes), turn it off.
/// </summary>
public static class TwoFactorApi
{
    private const string Issuer = "BioAiSaaS";
    private const int RecoveryCodeCount = 10;

    public static IEndpointRouteBuilder MapTwoFactorApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account/2fa").WithTags("Two-factor authentication").RequireAuthorization(Policies.Interactive);
        group.MapPost("/authenticator", SetupAsync).WithSummary("Create a new authenticator key (shown as a QR code); 2FA is not on until enabled");
        group.MapPost("/enable", EnableAsync).WithSummary("Turn 2FA on with a code from the authenticator; returns ten recovery codes");
        group.MapPost("/disable", DisableAsync).WithSummary("Turn 2FA off (needs a current code)");
        group.MapPost("/recovery-codes", RegenerateAsync).WithSummary("Replace the recovery codes (needs a current code)");
        return app;
    }

    private static async Task<Results<Ok<AuthenticatorSetupResponse>, ProblemHttpResult>> SetupAsync(HttpContext context, UserManager<User> users)
    {
        var user = await users.RequireAsync(context.User);
        if (user.TwoFactorEnabled)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Two-factor authentication is on",
                "Disable it first; replacing the key while it is on would lock out the current authenticator.");
        }
        await users.ResetAuthenticatorKeyAsync(user);
        var key = (await users.GetAuthenticatorKeyAsync(user))!;
        var label = Uri.EscapeDataString($"{Issuer}:{user.Email ?? user.DisplayName ?? user.Id.ToString()}");
        var uri = $"otpauth://totp/{label}?secret={key}&issuer={Issuer}&algorithm=SHA1&digits=6&period=30";
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4);
        return TypedResults.Ok(new AuthenticatorSetupResponse(key, uri, svg));
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> EnableAsync(
        CodeRequest request, HttpContext context, UserManager<User> users, TwoFactorChallenge challenge, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        if (await users.GetAuthenticatorKeyAsync(user) is null)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "No authenticator key", "Set up an authenticator first.");
        }
        if (!await challenge.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return Problems.Invalid("code", "The code does not match the authenticator key.");
        }
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount);
        await audit.RecordAsync(AuditEventTypes.TwoFactorEnabled, user.Id, cancellationToken: cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse([.. codes!]));
    }

    private static async Task<Results<NoContent, ValidationProblem>> DisableAsync(
        CodeRequest request, HttpContext context, UserManager<User> users, TwoFactorChallenge challenge, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        if (!user.TwoFactorEnabled)
        {
            return TypedResults.NoContent();
        }
        if (!await challenge.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return Problems.Invalid("code", "The code does not match the authenticator key.");
        }
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await audit.RecordAsync(AuditEventTypes.TwoFactorDisabled, user.Id, cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> RegenerateAsync(
        CodeRequest request, HttpContext context, UserManager<User> users, TwoFactorChallenge challenge, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var user = await users.RequireAsync(context.User);
        if (!user.TwoFactorEnabled)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Two-factor authentication is off", "Enable it first.");
        }
        if (!await challenge.VerifyCodeAsync(user, request.Code ?? ""))
        {
            return Problems.Invalid("code", "The code does not match the authenticator key.");
        }
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount);
        await audit.RecordAsync(AuditEventTypes.RecoveryCodesRegenerated, user.Id, cancellationToken: cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse([.. codes!]));
    }
}
