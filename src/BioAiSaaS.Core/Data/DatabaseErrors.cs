using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BioAiSaaS.Core.Data;

public static class DatabaseErrors
{
    /// <summary>The save lost a race to a unique index (e.g. two accounts claiming one e-mail address).</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
