namespace BioAiSaaS.AppHost.Mail;

/// <summary>Where the Api sends mail: smtp4dev run by the AppHost, or (when null) the configured <c>Smtp</c> section.</summary>
public sealed record MailServer(IResourceBuilder<ExecutableResource>? DevelopmentServer);

public static class MailServerExtensions
{
    private const string SmtpEndpoint = "smtp";

    /// <summary>
    /// With <c>Smtp:Host</c> configured (the tests' in-process server, or a real relay) mail goes there. Otherwise the
    /// AppHost runs smtp4dev (a local dotnet tool) on loopback with an in-memory store: every mail the stack sends
    /// shows up in its web inbox, linked from the dashboard, and none leaves the machine.
    /// </summary>
    public static MailServer AddMailServer(this IDistributedApplicationBuilder builder)
    {
        if (!string.IsNullOrEmpty(builder.Configuration["Smtp:Host"]) || builder.ExecutionContext.IsPublishMode)
        {
            return new MailServer(null);
        }
        var server = builder.AddExecutable("mail", "dotnet", builder.AppHostDirectory, "tool", "run", "smtp4dev", "--")
            .WithHttpEndpoint(name: "http")
            .WithEndpoint(SmtpEndpoint, e => e.UriScheme = "smtp")
            .WithUrlForEndpoint("http", url => url.DisplayText = "Inbox")
            .WithHttpHealthCheck("/api/server")
            .ExcludeFromManifest()
            .AnnounceWhenReady("mail inbox (smtp4dev)");
        var http = server.GetEndpoint("http");
        var smtp = server.GetEndpoint(SmtpEndpoint);
        server.WithArgs(context =>
        {
            context.Args.Add(ReferenceExpression.Create($"--urls=http://127.0.0.1:{http.Property(EndpointProperty.TargetPort)}"));
            context.Args.Add(ReferenceExpression.Create($"--smtpport={smtp.Property(EndpointProperty.TargetPort)}"));
            // In-memory store, loopback only, no IMAP/POP3, no TLS, and no per-user settings file to drift.
            context.Args.Add("--db=");
            context.Args.Add("--imapport=");
            context.Args.Add("--pop3port=");
            context.Args.Add("--bindaddress=127.0.0.1");
            context.Args.Add("--disableipv6");
            context.Args.Add("--tlsmode=None");
            context.Args.Add("--nousersettings");
        });
        return new MailServer(server);
    }

    public static IResourceBuilder<ProjectResource> WithMailServer(this IResourceBuilder<ProjectResource> service, MailServer mail)
    {
        if (mail.DevelopmentServer is not { } server)
        {
            return service.WithConfigurationSections("Smtp");
        }
        var smtp = server.GetEndpoint(SmtpEndpoint);
        return service
            .WithEnvironment("Smtp__Host", smtp.Property(EndpointProperty.Host))
            .WithEnvironment("Smtp__Port", smtp.Property(EndpointProperty.Port))
            .WithEnvironment("Smtp__Security", "None")
            .WaitFor(server);
    }
}
