namespace BioAiSaaS.Core.Tenancy;

/// <summary>
/// The user on whose behalf this scope (a request, or a worker's run) touches the database. The
/// <see cref="TenantConnectionInterceptor"/> hands it to PostgreSQL, whose row-level security policies
/// filter every tenant table by it: the second wall behind the handlers' own owner checks.
/// </summary>
public sealed class CurrentTenant
{
    private Guid? _userId;

    public Guid? UserId => _userId;

    /// <summary>Sets the user once per scope; changing it mid-scope would let pooled state leak between tenants.</summary>
    public void Set(Guid userId)
    {
        if (_userId is { } current && current != userId)
        {
            throw new InvalidOperationException("This scope already acts for another user.");
        }
        _userId = userId;
    }
}
