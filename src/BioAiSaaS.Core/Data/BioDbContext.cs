using BioAiSaaS.Core.Runs;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Data;

public sealed class BioDbContext(DbContextOptions<BioDbContext> options) : DbContext(options)
{
    public DbSet<Run> Runs => Set<Run>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // pgvector backs the knowledge base; the first migration installs it so every later one can rely on it.
        modelBuilder.HasPostgresExtension("vector");

        modelBuilder.Entity<Run>(run =>
        {
            run.ToTable("runs");
            run.HasKey(r => r.Id);
            run.Property(r => r.Language).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.WorkerId).HasMaxLength(128);
            run.Property(r => r.Attempt).IsConcurrencyToken();
            run.OwnsOne(r => r.Outcome, outcome =>
            {
                outcome.Property(o => o.Termination).HasConversion<string>().HasMaxLength(16);
            });
            // The sweeper looks for accepted runs that never reached the queue.
            run.HasIndex(r => r.CreatedAt).HasFilter("dispatched_at IS NULL").HasDatabaseName("ix_runs_undispatched");
            run.HasIndex(r => new { r.Status, r.CreatedAt });
        });
    }
}
