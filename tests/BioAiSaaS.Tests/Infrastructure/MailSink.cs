using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace BioAiSaaS.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (the SmtpServer library) in the test process: the Api delivers its mails here over SMTP
/// with MailKit, and tests read them as a user reads their inbox.
/// </summary>
public sealed partial class MailSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _server;

    public int Port { get; } = FreePort();

    public MailSink()
    {
        var options = new SmtpServerOptionsBuilder().ServerName("mail.test").Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    /// <summary>The first mail to <paramref name="to"/> whose subject contains <paramref name="subject"/>, waiting up to 30 s.</summary>
    public async Task<MimeMessage> WaitForAsync(string to, string subject)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var found = _messages.FirstOrDefault(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase))
                                                       && (m.Subject ?? "").Contains(subject, StringComparison.OrdinalIgnoreCase));
            if (found is not null)
            {
                return found;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"No mail '{subject}' to {to} arrived; received: {string.Join(", ", _messages.Select(m => $"{m.To} '{m.Subject}'"))}");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public int CountTo(string to) =>
        _messages.Count(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The user id and code a mail carries (the values a user would paste or the console link holds).</summary>
    public static (Guid UserId, string Code) ReadCode(MimeMessage message)
    {
        var body = message.TextBody ?? "";
        var userId = UserIdLine().Match(body);
        var code = CodeLine().Match(body);
        Assert.True(userId.Success && code.Success, $"The mail has no userId/code: {body}");
        return (Guid.Parse(userId.Groups[1].Value), code.Groups[1].Value);
    }

    [GeneratedRegex(@"userId: ([0-9a-f-]{36})")]
    private static partial Regex UserIdLine();

    [GeneratedRegex(@"code: ([A-Za-z0-9_-]+)")]
    private static partial Regex CodeLine();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _server;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Store(MailSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            sink._messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
