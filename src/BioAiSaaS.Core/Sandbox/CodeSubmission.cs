using System.Globalization;

namespace BioAiSaaS.Core.Sandbox;

/// <summary>
/// Code as a client sent it, before validation. Fields are nullable and the language is text so that
/// a missing field or an unknown language becomes a precise validation problem, not a JSON error.
/// </summary>
public sealed record CodeSubmission(string? Language, string? Code, int? TimeoutSeconds)
{
    private static readonly Dictionary<string, SandboxLanguage> LanguagesByName =
        Enum.GetValues<SandboxLanguage>().ToDictionary(Wire, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyCollection<string> LanguageNames => LanguagesByName.Keys;
    public static readonly string SupportedLanguages = string.Join(", ", LanguagesByName.Keys);

    /// <summary>Checks every field; <paramref name="defaultLanguage"/> fills a missing language (a session's executions default to Python).</summary>
    public bool TryValidate(out ExecutionRequest request, out Dictionary<string, string[]> errors,
        SandboxLanguage? defaultLanguage = null)
    {
        errors = [];
        var language = defaultLanguage ?? default;
        if (string.IsNullOrWhiteSpace(Language))
        {
            if (defaultLanguage is null)
            {
                errors["language"] = [$"Required. Supported: {SupportedLanguages}."];
            }
        }
        else if (!LanguagesByName.TryGetValue(Language, out language))
        {
            errors["language"] = [$"'{Language}' is not supported. Supported: {SupportedLanguages}."];
        }

        if (string.IsNullOrWhiteSpace(Code))
        {
            errors["code"] = ["Required and must not be blank."];
        }
        else if (Code.Length > ExecutionLimits.MaxCodeLength)
        {
            errors["code"] = [string.Create(CultureInfo.InvariantCulture,
                $"Must be at most {ExecutionLimits.MaxCodeLength} characters; got {Code.Length}.")];
        }

        var timeout = TimeoutSeconds ?? ExecutionLimits.DefaultTimeoutSeconds;
        if (timeout is < ExecutionLimits.MinTimeoutSeconds or > ExecutionLimits.MaxTimeoutSeconds)
        {
            errors["timeoutSeconds"] = [string.Create(CultureInfo.InvariantCulture,
                $"Must be between {ExecutionLimits.MinTimeoutSeconds} and {ExecutionLimits.MaxTimeoutSeconds}; got {timeout}.")];
        }

        request = errors.Count == 0 ? new ExecutionRequest(language, Code!, timeout) : null!;
        return errors.Count == 0;
    }

    private static string Wire(SandboxLanguage language) => language.ToString().ToLowerInvariant();
}
