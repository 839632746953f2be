using Microsoft.Extensions.DependencyInjection;

namespace BioAiSaaS.Core.Tenancy;

public static class TenantScopes
{
    /// <summary>A DI scope acting for <paramref name="userId"/>: its database connections see that user's rows only.</summary>
    public static AsyncServiceScope CreateTenantScope(this IServiceScopeFactory scopes, Guid userId)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(userId);
        return scope;
    }
}
