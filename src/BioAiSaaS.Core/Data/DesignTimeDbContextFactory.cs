using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BioAiSaaS.Core.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<BioDbContext>
{
    public BioDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<BioDbContext>();
        BioDatabase.Configure(options, "Host=localhost;Database=design_time");
        return new BioDbContext(options.Options);
    }
}
