using System.Text.Json;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;

namespace BioAiSaaS.Api.Audit;

/// <summary>Writes security events (who, what, from which address) for the user's own export and for admins.</summary>
public sealed class AuditLog(BioDbContext db, IHttpContextAccessor http)
{
    public async Task RecordAsync(string type, Guid? userId, object? data = null, Guid? actorId = null,
        CancellationToken cancellationToken = default)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            At = DateTimeOffset.UtcNow,
            Type = type,
            UserId = userId,
            ActorId = actorId,
            IpAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            Data = data is null ? null : JsonSerializer.SerializeToDocument(data),
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
