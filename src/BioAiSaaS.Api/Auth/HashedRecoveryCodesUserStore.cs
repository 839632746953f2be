using System.Security.Cryptography;
using System.Text;
using BioAiSaaS.Core.Data;
using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace BioAiSaaS.Api.Auth;

/// <summary>
/// Identity's EF store, except that the ten 2FA recovery codes are kept as salted SHA-256 hashes instead of
/// the plain text Identity stores by default: a leaked database copy must not hand out second factors.
/// The base class redeems by exact match on what is stored, so codes are hashed on the way in and out.
/// </summary>
public sealed class HashedRecoveryCodesUserStore(BioDbContext context, IdentityErrorDescriber? describer = null)
    : UserStore<User, IdentityRole<Guid>, BioDbContext, Guid>(context, describer)
{
    private const string Marker = "h1:";

    public override Task ReplaceCodesAsync(User user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken = default) =>
        // The base class's redemption writes back the remaining (already hashed) codes through here.
        base.ReplaceCodesAsync(user, recoveryCodes.Select(code => code.StartsWith(Marker, StringComparison.Ordinal) ? code : Hash(user, code)),
            cancellationToken);

    public override Task<bool> RedeemCodeAsync(User user, string code, CancellationToken cancellationToken = default) =>
        base.RedeemCodeAsync(user, Hash(user, code), cancellationToken);

    private static string Hash(User user, string code) =>
        Marker + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{user.Id:N}:{code.Trim().ToUpperInvariant()}")));
}
