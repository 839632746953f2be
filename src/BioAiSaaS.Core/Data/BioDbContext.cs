using BioAiSaaS.Core.Billing;
using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Billing.RunPricing;
using BioAiSaaS.Core.Billing.Subscriptions;
using BioAiSaaS.Core.Identity;
using BioAiSaaS.Core.Knowledge;
using BioAiSaaS.Core.Projects;
using BioAiSaaS.Core.Runs;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Data;

public sealed class BioDbContext(DbContextOptions<BioDbContext> options)
    : IdentityDbContext<User, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<UserSession> Sessions => Set<UserSession>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<KnowledgeDocument> KnowledgeDocuments => Set<KnowledgeDocument>();
    public DbSet<KnowledgeChunk> KnowledgeChunks => Set<KnowledgeChunk>();
    public DbSet<ChunkEmbedding> ChunkEmbeddings => Set<ChunkEmbedding>();
    public DbSet<DocumentContent> DocumentContents => Set<DocumentContent>();
    public DbSet<EmbeddingModelState> EmbeddingModelStates => Set<EmbeddingModelState>();
    public DbSet<RunStep> RunSteps => Set<RunStep>();
    public DbSet<RunEvent> RunEvents => Set<RunEvent>();
    public DbSet<UsageEvent> UsageEvents => Set<UsageEvent>();
    public DbSet<RunArtifact> RunArtifacts => Set<RunArtifact>();
    public DbSet<Plan> Plans => Set<Plan>();
    public DbSet<JournalEntry> JournalEntries => Set<JournalEntry>();
    public DbSet<JournalLine> JournalLines => Set<JournalLine>();
    public DbSet<Wallet> Wallets => Set<Wallet>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<PaymentOrder> PaymentOrders => Set<PaymentOrder>();
    public DbSet<PaymentRefund> PaymentRefunds => Set<PaymentRefund>();
    public DbSet<TaskTemplate> TaskTemplates => Set<TaskTemplate>();
    public DbSet<BillingSettings> BillingSettings => Set<BillingSettings>();
    public DbSet<RunCharge> RunCharges => Set<RunCharge>();
    public DbSet<RunQuote> RunQuotes => Set<RunQuote>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        var modelBuilder = builder;
        base.OnModelCreating(modelBuilder);
        // pgvector backs the knowledge base; the first migration installs it so every later one can rely on it.
        modelBuilder.HasPostgresExtension("vector");

        ConfigureIdentity(modelBuilder);
        ConfigureAccounts(modelBuilder);
        ConfigureKnowledge(modelBuilder);
        BillingModel.Configure(modelBuilder);
        ConfigureBillingCycles(modelBuilder);

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
            // Deleting an account deletes its runs (the privacy "erase" request).
            run.HasOne<User>().WithMany().HasForeignKey(r => r.OwnerId).OnDelete(DeleteBehavior.Cascade);
            run.HasIndex(r => new { r.OwnerId, r.CreatedAt });
            // The sweeper looks for accepted runs that never reached the queue.
            run.HasIndex(r => r.CreatedAt).HasFilter("dispatched_at IS NULL").HasDatabaseName("ix_runs_undispatched");
            run.HasIndex(r => new { r.Status, r.CreatedAt });
            run.Property(r => r.Kind).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.Workflow).HasColumnType("jsonb");
            run.Property(r => r.Settings).HasColumnType("jsonb");
            run.HasOne<Project>().WithMany().HasForeignKey(r => r.ProjectId).OnDelete(DeleteBehavior.Cascade);
            run.HasIndex(r => new { r.ProjectId, r.CreatedAt });
        });
        ConfigureRunBilling(modelBuilder);
        modelBuilder.Entity<RunStep>(step =>
        {
            step.ToTable("run_steps");
            step.HasKey(s => new { s.RunId, s.StepId });
            step.Property(s => s.StepId).HasMaxLength(40);
            step.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
            step.Property(s => s.Output).HasColumnType("jsonb");
            step.HasOne<Run>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RunArtifact>(artifact =>
        {
            artifact.ToTable("run_artifacts");
            artifact.HasKey(a => a.Id);
            artifact.Property(a => a.StepId).HasMaxLength(40);
            artifact.Property(a => a.Key).HasMaxLength(300);
            artifact.Property(a => a.Name).HasMaxLength(255);
            artifact.Property(a => a.MimeType).HasMaxLength(100);
            artifact.Property(a => a.Sha256).HasMaxLength(64);
            artifact.HasIndex(a => new { a.RunId, a.Key }).IsUnique();
            artifact.HasOne<Run>().WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<UsageEvent>(usage =>
        {
            usage.ToTable("usage_events");
            usage.HasKey(u => u.Id);
            usage.Property(u => u.Key).HasMaxLength(200);
            usage.HasIndex(u => u.Key).IsUnique();
            usage.Property(u => u.Kind).HasMaxLength(32);
            usage.Property(u => u.Model).HasMaxLength(100);
            usage.Property(u => u.RateCard).HasMaxLength(64);
            usage.Property(u => u.StepId).HasMaxLength(40);
            usage.Property(u => u.Quantity).HasPrecision(18, 6);
            usage.HasIndex(u => new { u.OwnerId, u.CreatedAt });
            usage.HasIndex(u => u.RunId);
        });
        modelBuilder.Entity<RunEvent>(e =>
        {
            e.ToTable("run_events");
            e.HasKey(x => new { x.RunId, x.Sequence });
            e.Property(x => x.Type).HasMaxLength(40);
            e.Property(x => x.StepId).HasMaxLength(40);
            e.Property(x => x.Key).HasMaxLength(200);
            e.Property(x => x.Data).HasColumnType("jsonb");
            e.HasIndex(x => new { x.RunId, x.Key }).IsUnique();
            e.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    // ---- Billing cycles (usage ingestion, usage periods, invoices): docs/decisions/0010-billing-cycles.md ----
    private static void ConfigureBillingCycles(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UsageEvent>(usage =>
        {
            usage.Property(u => u.JournalKey).HasMaxLength(Posting.MaxKeyLength);
            // The ingestion job's queue: each owner's unbilled events, oldest first.
            usage.HasIndex(u => new { u.OwnerId, u.Id }).HasFilter("billed_at IS NULL").HasDatabaseName("ix_usage_events_unbilled");
        });
        modelBuilder.Entity<Billing.Cycles.UsagePeriod>(period =>
        {
            period.ToTable("usage_periods", t => t.HasCheckConstraint("ck_usage_periods_period", "period_end > period_start"));
            period.HasKey(p => new { p.UserId, p.PeriodStart });
            period.Property(p => p.PlanCode).HasMaxLength(32);
        });
        modelBuilder.Entity<Billing.Cycles.UsagePeriodItem>(item =>
        {
            item.ToTable("usage_period_items");
            item.HasKey(i => new { i.UserId, i.PeriodStart, i.Item });
            item.Property(i => i.Item).HasMaxLength(120);
        });
        modelBuilder.Entity<Billing.Cycles.Invoice>(invoice =>
        {
            invoice.ToTable("invoices", t => t.HasCheckConstraint("ck_invoices_status", "status IN ('draft', 'final')"));
            invoice.HasKey(i => i.Id);
            invoice.Property(i => i.Number).HasMaxLength(32);
            invoice.HasIndex(i => i.Number).IsUnique();
            invoice.Property(i => i.Status).HasMaxLength(16);
            invoice.Property(i => i.PlanCode).HasMaxLength(32);
            // One invoice per user and period: the backstop that makes closing a period idempotent.
            invoice.HasIndex(i => new { i.UserId, i.PeriodStart }).IsUnique();
            invoice.HasIndex(i => i.Status).HasFilter("status = 'draft'").HasDatabaseName("ix_invoices_drafts");
            invoice.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<Billing.Cycles.InvoiceLine>(line =>
        {
            line.ToTable("invoice_lines");
            line.HasKey(l => l.Id);
            line.Property(l => l.Section).HasMaxLength(16);
            line.Property(l => l.Kind).HasMaxLength(32);
            line.Property(l => l.Description).HasMaxLength(500);
            line.HasIndex(l => new { l.InvoiceId, l.Position }).IsUnique();
        });
        // Which invoice each journal entry went into: an entry is invoiced once (the primary key), so the invoices
        // of a user add up to the journal.
        modelBuilder.Entity<Billing.Cycles.InvoiceEntry>(entry =>
        {
            entry.ToTable("invoice_entries");
            entry.HasKey(e => e.EntryId);
            entry.HasIndex(e => e.InvoiceId);
            entry.HasOne<Billing.Cycles.Invoice>().WithMany().HasForeignKey(e => e.InvoiceId).OnDelete(DeleteBehavior.Restrict);
            entry.HasOne<JournalEntry>().WithOne().HasForeignKey<Billing.Cycles.InvoiceEntry>(e => e.EntryId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    /// <summary>
    /// Quotes, auto-authorisation and outcome-priced runs (docs/decisions/0011-run-billing.md). Their raw SQL (row-level
    /// security, the auto-accept function, the template seed) is in <c>RunBillingSql</c>.
    /// </summary>
    private static void ConfigureRunBilling(ModelBuilder modelBuilder)
    {
        // The usage ingestion skips the usage of runs whose billing_mode is outcome-based: their fee is their price.
        modelBuilder.Entity<Run>().Property(r => r.BillingMode).HasMaxLength(16).HasDefaultValue(BillingModes.TokenBased);
        modelBuilder.Entity<TaskTemplate>(template =>
        {
            template.ToTable("task_templates", t =>
            {
                t.HasCheckConstraint("ck_task_templates_billing_mode", "billing_mode IN ('token-based', 'outcome-based')");
                t.HasCheckConstraint("ck_task_templates_price", "price_fen >= 0");
            });
            template.HasKey(t => t.Code);
            template.Property(t => t.Code).HasMaxLength(64);
            template.Property(t => t.Name).HasMaxLength(200);
            template.Property(t => t.Description).HasMaxLength(2000);
            template.Property(t => t.BillingMode).HasMaxLength(16);
        });
        modelBuilder.Entity<BillingSettings>(settings =>
        {
            settings.ToTable("billing_settings", t => t.HasCheckConstraint("ck_billing_settings_limit", "auto_authorise_limit_fen >= 0"));
            settings.HasKey(s => s.UserId);
            settings.HasOne<User>().WithOne().HasForeignKey<BillingSettings>(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<RunCharge>(charge =>
        {
            charge.ToTable("run_charges", t =>
            {
                t.HasCheckConstraint("ck_run_charges_quote", "quote_fen >= 0 AND list_fen >= 0");
                t.HasCheckConstraint("ck_run_charges_outcome_status", "outcome_status IS NULL OR outcome_status IN ('pending', 'accepted', 'rejected')");
            });
            charge.HasKey(c => c.RunId);
            charge.Property(c => c.BillingMode).HasMaxLength(16);
            charge.Property(c => c.TemplateCode).HasMaxLength(64);
            charge.Property(c => c.Basis).HasMaxLength(32);
            charge.Property(c => c.RateCard).HasMaxLength(64);
            charge.Property(c => c.Authorisation).HasMaxLength(16);
            charge.Property(c => c.OutcomeStatus).HasMaxLength(16);
            charge.Property(c => c.OutcomeRejectReason).HasMaxLength(1000);
            charge.HasOne<Run>().WithOne().HasForeignKey<RunCharge>(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
            charge.HasIndex(c => c.UserId);
            // The auto-accept job's queue: charged outcomes still open, by deadline.
            charge.HasIndex(c => c.OutcomeAcceptBy).HasFilter("outcome_status = 'pending'").HasDatabaseName("ix_run_charges_pending_outcomes");
        });
        modelBuilder.Entity<RunQuote>(quote =>
        {
            quote.ToTable("run_quotes", t =>
            {
                t.HasCheckConstraint("ck_run_quotes_amount", "amount_fen >= 0 AND list_fen >= 0");
                t.HasCheckConstraint("ck_run_quotes_status", "status IN ('pending', 'confirmed')");
            });
            quote.HasKey(q => q.Id);
            quote.Property(q => q.Basis).HasMaxLength(32);
            quote.Property(q => q.BillingMode).HasMaxLength(16);
            quote.Property(q => q.TemplateCode).HasMaxLength(64);
            quote.Property(q => q.RateCard).HasMaxLength(64);
            quote.Property(q => q.Status).HasMaxLength(16);
            quote.Property(q => q.Run).HasColumnType("jsonb");
            quote.HasOne<User>().WithMany().HasForeignKey(q => q.UserId).OnDelete(DeleteBehavior.Cascade);
            quote.HasOne<Project>().WithMany().HasForeignKey(q => q.ProjectId).OnDelete(DeleteBehavior.Cascade);
            quote.HasIndex(q => new { q.UserId, q.CreatedAt });
        });
    }

    private static void ConfigureKnowledge(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Project>(project =>
        {
            project.ToTable("projects");
            project.HasKey(p => p.Id);
            project.Property(p => p.Name).HasMaxLength(200);
            project.Property(p => p.Description).HasMaxLength(4000);
            project.HasOne<User>().WithMany().HasForeignKey(p => p.OwnerId).OnDelete(DeleteBehavior.Cascade);
            project.HasIndex(p => new { p.OwnerId, p.CreatedAt });
        });
        modelBuilder.Entity<KnowledgeDocument>(document =>
        {
            document.ToTable("knowledge_documents");
            document.HasKey(d => d.Id);
            document.Property(d => d.Title).HasMaxLength(500);
            document.Property(d => d.Kind).HasMaxLength(32);
            document.Property(d => d.ContentHash).HasMaxLength(64);
            document.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            document.Property(d => d.FailureReason).HasMaxLength(1000);
            document.Property(d => d.Source).HasMaxLength(1000);
            document.Property(d => d.Licence).HasMaxLength(100);
            document.HasOne<Project>().WithMany().HasForeignKey(d => d.ProjectId).OnDelete(DeleteBehavior.Cascade);
            document.HasOne<User>().WithMany().HasForeignKey(d => d.OwnerId).OnDelete(DeleteBehavior.Cascade);
            // The same content once per project, and once in the library (NULLS NOT DISTINCT: PostgreSQL 15).
            document.HasIndex(d => new { d.ProjectId, d.ContentHash }).IsUnique().AreNullsDistinct(false);
            // The ingestion queue: PostgreSQL is the truth, workers claim pending documents from it.
            document.HasIndex(d => new { d.Status, d.UpdatedAt });
        });
        modelBuilder.Entity<KnowledgeChunk>(chunk =>
        {
            chunk.ToTable("knowledge_chunks");
            chunk.HasKey(c => c.Id);
            chunk.Property(c => c.Location).HasMaxLength(200);
            chunk.HasOne<KnowledgeDocument>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
            chunk.HasIndex(c => new { c.DocumentId, c.Ordinal }).IsUnique();
            chunk.HasIndex(c => c.ProjectId);
            // The full-text vector ("english": stems words, keeps BRCA1 and P38398, splits NM_007294.4 into an
            // adjacent pair a phrase query matches) and its GIN index are added by the migration.
        });
        modelBuilder.Entity<DocumentContent>(content =>
        {
            content.ToTable("knowledge_document_contents");
            content.HasKey(c => c.DocumentId);
            content.HasOne<KnowledgeDocument>().WithOne().HasForeignKey<DocumentContent>(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<EmbeddingModelState>(state =>
        {
            state.ToTable("embedding_models");
            state.HasKey(s => s.Model);
            state.Property(s => s.Model).HasMaxLength(100);
        });
        modelBuilder.Entity<ChunkEmbedding>(embedding =>
        {
            embedding.ToTable("chunk_embeddings");
            embedding.HasKey(e => new { e.ChunkId, e.Model });
            embedding.Property(e => e.Model).HasMaxLength(100);
            embedding.Property(e => e.Embedding).HasColumnType("vector");
            embedding.HasOne<KnowledgeChunk>().WithMany().HasForeignKey(e => e.ChunkId).OnDelete(DeleteBehavior.Cascade);
            embedding.HasIndex(e => new { e.Model, e.ProjectId });
        });
    }

    private static void ConfigureIdentity(ModelBuilder modelBuilder)
    {
        // Identity's default names (AspNetUsers …) become plain snake_case tables like ours.
        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.DisplayName).HasMaxLength(100);
            // Unique where present (WeChat-only accounts have none): the race-free guard for registration.
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
        });
        modelBuilder.Entity<IdentityRole<Guid>>(role =>
        {
            role.ToTable("roles");
            role.HasData(
                new IdentityRole<Guid> { Id = RoleNames.UserId, Name = RoleNames.User, NormalizedName = "USER", ConcurrencyStamp = "user" },
                new IdentityRole<Guid> { Id = RoleNames.AdminId, Name = RoleNames.Admin, NormalizedName = "ADMIN", ConcurrencyStamp = "admin" });
        });
        modelBuilder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles");
        modelBuilder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        modelBuilder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        modelBuilder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
        modelBuilder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims");
        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
    }

    private static void ConfigureAccounts(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserSession>(session =>
        {
            session.ToTable("user_sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.Method).HasMaxLength(32);
            session.Property(s => s.Device).HasMaxLength(256);
            session.Property(s => s.IpAddress).HasMaxLength(64);
            session.Property(s => s.RevokedReason).HasMaxLength(64);
            session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            session.HasIndex(s => s.UserId);
        });
        modelBuilder.Entity<RefreshToken>(token =>
        {
            token.ToTable("refresh_tokens");
            token.HasKey(t => t.Hash);
            token.HasOne<UserSession>().WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
            token.HasIndex(t => t.SessionId);
        });
        modelBuilder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Name).HasMaxLength(100);
            key.Property(k => k.Prefix).HasMaxLength(32);
            key.HasIndex(k => k.Prefix).IsUnique();
            key.HasOne<User>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
            key.HasIndex(k => k.UserId);
        });
        modelBuilder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("audit_events");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Type).HasMaxLength(64);
            audit.Property(a => a.IpAddress).HasMaxLength(64);
            // No foreign key: the log outlives the account (its user id is cleared on deletion).
            audit.HasIndex(a => new { a.UserId, a.At });
            audit.HasIndex(a => a.At);
        });
        modelBuilder.Entity<SigningKey>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(64);
        });
    }
}
