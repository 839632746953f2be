using BioAiSaaS.Core.Identity;
using Microsoft.AspNetCore.Identity;

namespace BioAiSaaS.Api.Auth;

/// <summary>
/// Beyond Identity's length rule: refuses the passwords attackers try first and passwords built from the
/// account's own e-mail. (Length over composition, as NIST SP 800-63B recommends.)
/// </summary>
public sealed class PasswordRules : IPasswordValidator<User>
{
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "qwerty", "qwertyuiop",
        "qwerty123", "123456789", "1234567890", "12345678910", "111111111", "1111111111", "abc123456", "iloveyou",
        "letmein123", "welcome123", "admin12345", "changeme", "changeme123", "1q2w3e4r5t", "zaq12wsx", "asdfghjkl",
        "0123456789", "9876543210", "abcdefghij", "trustno1", "football", "baseball", "dragon123", "monkey123",
    };

    public Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user, string? password)
    {
        if (password is null)
        {
            return Task.FromResult(IdentityResult.Success);
        }
        if (Common.Contains(password))
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordTooCommon",
                Description = "This password is among the most commonly used ones; choose another.",
            }));
        }
        var local = user.Email?.Split('@')[0];
        if (local is { Length: >= 4 } && password.Contains(local, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordContainsEmail",
                Description = "The password must not contain your e-mail address.",
            }));
        }
        return Task.FromResult(IdentityResult.Success);
    }
}
