using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace BioAiSaaS.Api.Email;

/// <summary>A message ready to send: one recipient, a plain-text body (links and codes are easy to copy from it).</summary>
public sealed record OutgoingEmail(string To, string Subject, string Body);

/// <summary>
/// Sends mail over SMTP with MailKit. A failure is logged and reported as false rather than thrown: the
/// account change that asked for the mail has happened, and the user can ask for it again.
/// </summary>
public sealed class EmailSender(IOptions<SmtpOptions> options, ILogger<EmailSender> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<bool> SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(smtp.FromName, smtp.FromAddress));
        message.To.Add(MailboxAddress.Parse(email.To));
        message.Subject = email.Subject;
        message.Body = new TextPart("plain") { Text = email.Body };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, timeout.Token);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", timeout.Token);
            }
            await client.SendAsync(message, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The subject names the kind of mail; the recipient and body (tokens) stay out of the log.
            logger.LogError(ex, "Could not send the mail '{Subject}'", email.Subject);
            return false;
        }
    }
}
