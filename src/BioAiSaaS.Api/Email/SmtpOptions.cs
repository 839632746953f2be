using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace BioAiSaaS.Api.Email;

/// <summary>The <c>Smtp</c> section: where mail goes. Locally the AppHost's smtp4dev, in tests an in-process server.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    [Required] public string Host { get; set; } = "";
    [Range(1, 65535)] public int Port { get; set; } = 25;
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;
    public string? UserName { get; set; }
    public string? Password { get; set; }
    [Required, EmailAddress] public string FromAddress { get; set; } = "no-reply@bioaisaas.local";
    [Required] public string FromName { get; set; } = "BioAiSaaS";
}

/// <summary>The <c>Accounts</c> section: links in mails, and who the first administrators are.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    /// <summary>The web console's address; e-mail links point at its pages.</summary>
    [Required, Url] public string ConsoleUrl { get; set; } = "http://localhost:5173";

    /// <summary>Accounts with these (verified) e-mail addresses become administrators. The only way to get the first.</summary>
    public string[] AdminEmails { get; set; } = [];
}
