using BioAiSaaS.Core.Billing.Accounting;
using BioAiSaaS.Core.Billing.Orders;
using BioAiSaaS.Core.Billing.Plans;
using BioAiSaaS.Core.Billing.RateCards;
using BioAiSaaS.Core.Billing.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace BioAiSaaS.Core.Billing;

/// <summary>
/// The billing tables. Row-level security, the posting function and the balance triggers are in the Billing migration
/// (docs/decisions/0008-billing-ledger.md); <see cref="ReadOnlyForApplication"/> are the tables the services' login
/// may read but never write directly.
/// </summary>
public static class BillingModel
{
    /// <summary>The journal and the wallets change only through <c>billing_post_entry</c>; plans and rate cards only by migrations.</summary>
    public static readonly IReadOnlyList<string> ReadOnlyForApplication =
        ["journal_entries", "journal_lines", "wallets", "plans", "rate_cards", "rate_card_prices"];

    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Plan>(plan =>
        {
            plan.ToTable("plans");
            plan.HasKey(p => p.Code);
            plan.Property(p => p.Code).HasMaxLength(32);
            plan.Property(p => p.Name).HasMaxLength(100);
            plan.Property(p => p.OverageRateCard).HasMaxLength(64);
            plan.HasData(SeedPlans.All());
        });
        modelBuilder.Entity<RateCard>(card =>
        {
            card.ToTable("rate_cards");
            card.HasKey(c => c.Id);
            // Rate cards are published by migrations with their ids, like the seed below.
            card.Property(c => c.Id).ValueGeneratedNever();
            card.Property(c => c.Name).HasMaxLength(64);
            card.HasIndex(c => new { c.Name, c.Version }).IsUnique();
            card.HasIndex(c => new { c.Name, c.EffectiveFrom });
            card.HasMany(c => c.Prices).WithOne().HasForeignKey(p => p.RateCardId).OnDelete(DeleteBehavior.Restrict);
            card.HasData(SeedRateCards.StandardV1());
        });
        modelBuilder.Entity<RateCardPrice>(price =>
        {
            price.ToTable("rate_card_prices");
            price.HasKey(p => new { p.RateCardId, p.Model });
            price.Property(p => p.Model).HasMaxLength(100);
            price.HasData(SeedRateCards.StandardV1Default());
        });
        modelBuilder.Entity<JournalEntry>(entry =>
        {
            entry.ToTable("journal_entries");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Key).HasMaxLength(Posting.MaxKeyLength);
            entry.HasIndex(e => e.Key).IsUnique();
            entry.Property(e => e.Kind).HasMaxLength(32);
            entry.Property(e => e.Memo).HasMaxLength(500);
            entry.Property(e => e.RateCard).HasMaxLength(64);
            entry.Property(e => e.PaymentOrder).HasMaxLength(PaymentOrderRules.MaxOutTradeNoLength);
            // No foreign key to users: the journal outlives an erased account (bookkeeping must add up).
            entry.HasIndex(e => new { e.UserId, e.CreatedAt });
            entry.HasIndex(e => e.RunId);
            entry.HasMany(e => e.Lines).WithOne().HasForeignKey(l => l.EntryId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<JournalLine>(line =>
        {
            line.ToTable("journal_lines", t => t.HasCheckConstraint("ck_journal_lines_amount_not_zero", "amount_fen <> 0"));
            line.HasKey(l => l.Id);
            line.Property(l => l.Account).HasMaxLength(100);
            line.HasIndex(l => l.EntryId);
            line.HasIndex(l => new { l.Account, l.EntryId });
            line.HasIndex(l => new { l.UserId, l.EntryId });
        });
        modelBuilder.Entity<Wallet>(wallet =>
        {
            wallet.ToTable("wallets", t => t.HasCheckConstraint("ck_wallets_credit_limit", "credit_limit_fen >= 0"));
            wallet.HasKey(w => w.UserId);
        });
        modelBuilder.Entity<Subscription>(subscription =>
        {
            subscription.ToTable("subscriptions", t => t.HasCheckConstraint("ck_subscriptions_period", "current_period_end > current_period_start"));
            subscription.HasKey(s => s.UserId);
            subscription.Property(s => s.PlanCode).HasMaxLength(32);
            subscription.Property(s => s.ScheduledPlanCode).HasMaxLength(32);
            subscription.Property(s => s.Status).HasMaxLength(16);
            subscription.HasOne<Plan>().WithMany().HasForeignKey(s => s.PlanCode).OnDelete(DeleteBehavior.Restrict);
            subscription.HasOne<Plan>().WithMany().HasForeignKey(s => s.ScheduledPlanCode).OnDelete(DeleteBehavior.Restrict);
            subscription.HasOne<Identity.User>().WithOne().HasForeignKey<Subscription>(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<PaymentOrder>(order =>
        {
            order.ToTable("payment_orders", t =>
            {
                t.HasCheckConstraint("ck_payment_orders_out_trade_no", "out_trade_no ~ '^[A-Za-z0-9_-]{6,32}$'");
                t.HasCheckConstraint("ck_payment_orders_amount", "amount_fen > 0");
                t.HasCheckConstraint("ck_payment_orders_status", "status IN ('pending', 'paid', 'closed', 'refunded')");
                t.HasCheckConstraint("ck_payment_orders_refunded", "refunded_fen >= 0 AND refunded_fen <= amount_fen");
            });
            order.HasKey(o => o.OutTradeNo);
            order.Property(o => o.OutTradeNo).HasMaxLength(PaymentOrderRules.MaxOutTradeNoLength);
            order.Property(o => o.Provider).HasMaxLength(32);
            order.Property(o => o.Purpose).HasMaxLength(16);
            order.Property(o => o.Status).HasMaxLength(16);
            order.Property(o => o.ProviderTradeNo).HasMaxLength(64);
            order.Property(o => o.QrCodeUrl).HasMaxLength(1000);
            order.Property(o => o.RedirectUrl).HasMaxLength(8000);
            // No foreign key to users, like the journal: the money moved whether or not the account survives.
            order.HasIndex(o => new { o.UserId, o.CreatedAt });
            // The reconciliation job's queue: pending orders by age.
            order.HasIndex(o => o.CreatedAt).HasFilter("status = 'pending'").HasDatabaseName("ix_payment_orders_pending");
        });
        modelBuilder.Entity<PaymentRefund>(refund =>
        {
            refund.ToTable("payment_refunds");
            refund.HasKey(r => r.OutRefundNo);
            refund.Property(r => r.OutRefundNo).HasMaxLength(64);
            refund.Property(r => r.OutTradeNo).HasMaxLength(PaymentOrderRules.MaxOutTradeNoLength);
            refund.Property(r => r.Provider).HasMaxLength(32);
            refund.Property(r => r.Status).HasMaxLength(16);
            refund.Property(r => r.ProviderRefundNo).HasMaxLength(64);
            refund.Property(r => r.Reason).HasMaxLength(80);
            refund.HasOne<PaymentOrder>().WithMany().HasForeignKey(r => r.OutTradeNo).OnDelete(DeleteBehavior.Restrict);
            refund.HasIndex(r => r.OutTradeNo);
        });
    }
}
