using System.Net.Mail;

namespace BioAiSaaS.Api.Accounts;

/// <summary>What we accept as an e-mail address: one plain mailbox, at most 254 characters, a dotted domain.</summary>
public static class EmailAddressRules
{
    public static bool TryNormalize(string? input, out string email)
    {
        email = input?.Trim() ?? "";
        if (email.Length is 0 or > 254 || email.Any(char.IsWhiteSpace))
        {
            return false;
        }
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || parsed.DisplayName.Length > 0)
        {
            return false;
        }
        var domain = parsed.Host;
        return domain.Contains('.', StringComparison.Ordinal) && !domain.StartsWith('.') && !domain.EndsWith('.');
    }
}
