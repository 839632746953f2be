using System.Text;
using BioAiSaaS.Api.Email;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace BioAiSaaS.Api.Accounts;

/// <summary>
/// The mails that prove control of an address. Each carries an Identity token (signed by Data Protection,
/// valid 24 hours, void once the account's security stamp changes) as a code, and a console link that holds
/// it in the fragment, which browsers never send to a server or write to its logs.
/// </summary>
public sealed class AccountEmails(UserManager<User> users, EmailSender sender, IOptions<AccountOptions> options)
{
    public async Task<bool> SendVerificationAsync(User user, CancellationToken cancellationToken)
    {
        var code = Encode(await users.GenerateEmailConfirmationTokenAsync(user));
        return await sender.SendAsync(new OutgoingEmail(user.Email!, "Verify your BioAiSaaS e-mail address", Body(
            "Welcome to BioAiSaaS. Confirm that this address is yours to start running research tasks.",
            $"verify-email#userId={user.Id}&code={code}", user.Id, code)), cancellationToken);
    }

    public async Task<bool> SendPasswordResetAsync(User user, CancellationToken cancellationToken)
    {
        var code = Encode(await users.GeneratePasswordResetTokenAsync(user));
        return await sender.SendAsync(new OutgoingEmail(user.Email!, "Reset your BioAiSaaS password", Body(
            "Someone (hopefully you) asked to reset the password of this account. If it was not you, ignore this mail.",
            $"reset-password#userId={user.Id}&code={code}", user.Id, code)), cancellationToken);
    }

    public async Task<bool> SendEmailChangeAsync(User user, string newEmail, CancellationToken cancellationToken)
    {
        var code = Encode(await users.GenerateChangeEmailTokenAsync(user, newEmail));
        return await sender.SendAsync(new OutgoingEmail(newEmail, "Confirm your new BioAiSaaS e-mail address", Body(
            "Confirm this address to make it the e-mail of your BioAiSaaS account.",
            $"confirm-email-change#userId={user.Id}&code={code}", user.Id, code)), cancellationToken);
    }

    /// <summary>Decodes a code from a mail back to Identity's token; null when it is not even well-formed.</summary>
    public static string? Decode(string? code)
    {
        try
        {
            return string.IsNullOrEmpty(code) ? null : Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Encode(string token) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));

    private string Body(string intro, string path, Guid userId, string code) => $"""
        {intro}

        Open this link:
        {options.Value.ConsoleUrl.TrimEnd('/')}/{path}

        Or use these values with the API:
        userId: {userId}
        code: {code}

        The code expires in 24 hours.
        """;
}
