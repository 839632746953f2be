using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace BioAiSaaS.Core.Agents;

/// <summary>
/// What one conversation with a model did with the response cache (<c>Llm:CacheResponses</c>): which tenant's cache it
/// reads, and how many calls actually reached the model. A model call whose usage arrives without a new real call
/// was answered from the cache: it cost nothing, so it is not billed as tokens.
/// </summary>
public sealed class CacheProbe
{
    private static readonly AsyncLocal<CacheProbe?> CurrentProbe = new();
    private int _realCalls;

    private CacheProbe(Guid tenant) => Tenant = tenant;

    public Guid Tenant { get; }

    public int RealCalls => Volatile.Read(ref _realCalls);

    internal static CacheProbe? Current => CurrentProbe.Value;

    /// <summary>Starts a probe for the calls made from here on in this async flow, for <paramref name="tenant"/>.</summary>
    public static CacheProbe Begin(Guid tenant) => CurrentProbe.Value = new CacheProbe(tenant);

    internal void CountRealCall() => Interlocked.Increment(ref _realCalls);
}

/// <summary>
/// Caches identical requests per tenant: the key is Microsoft.Extensions.AI's over the messages and options, plus the
/// tenant, so one tenant's cached answers never reach another (even the fact that someone asked the same stays private).
/// </summary>
internal sealed class TenantResponseCache(IChatClient inner, IDistributedCache storage) : DistributedCachingChatClient(inner, storage)
{
    protected override string GetCacheKey(IEnumerable<ChatMessage> messages, ChatOptions? options, params ReadOnlySpan<object?> additionalValues) =>
        base.GetCacheKey(messages, options, [.. additionalValues, CacheProbe.Current?.Tenant.ToString("N") ?? "none"]);
}

/// <summary>Counts the calls that get past the cache to the model, for the current <see cref="CacheProbe"/>.</summary>
internal sealed class RealCallCounter(IChatClient inner) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        CacheProbe.Current?.CountRealCall();
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CacheProbe.Current?.CountRealCall();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            yield return update;
        }
    }
}

/// <summary><see cref="IDistributedCache"/> over the services' Redis connection, for cached model responses.</summary>
internal sealed class RedisResponseStore(IConnectionMultiplexer redis, TimeSpan lifetime) : IDistributedCache
{
    private const string Prefix = "llm-cache:";

    public byte[]? Get(string key) => redis.GetDatabase().StringGet(Prefix + key);

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) => await redis.GetDatabase().StringGetAsync(Prefix + key);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) =>
        redis.GetDatabase().StringSet(Prefix + key, value, lifetime);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        redis.GetDatabase().StringSetAsync(Prefix + key, value, lifetime);

    public void Refresh(string key) => redis.GetDatabase().KeyExpire(Prefix + key, lifetime);

    public Task RefreshAsync(string key, CancellationToken token = default) => redis.GetDatabase().KeyExpireAsync(Prefix + key, lifetime);

    public void Remove(string key) => redis.GetDatabase().KeyDelete(Prefix + key);

    public Task RemoveAsync(string key, CancellationToken token = default) => redis.GetDatabase().KeyDeleteAsync(Prefix + key);
}
