using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace SecureDevice.WebConsole.Accounts;

/// <summary>Why a new password is refused.</summary>
public enum PasswordVerdict
{
    Accepted,
    TooShort,
    TooLong,
    TooFewDistinctCharacters,
    ContainsUserName,
    Common,
}

/// <summary>
/// NIST SP 800-63B style: length (12..128), no composition rules, and refusal of known-common passwords (an embedded
/// list, compared case-insensitively and also with trailing digits and symbols stripped: "Password123!" is "password").
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    private static readonly HashSet<string> CommonPasswords = Load();

    public static PasswordVerdict Check(string password, string userName)
    {
        if (password.Length < MinLength)
        {
            return PasswordVerdict.TooShort;
        }

        if (password.Length > MaxLength)
        {
            return PasswordVerdict.TooLong;
        }

        var distinct = new HashSet<char>(password);
        if (distinct.Count < 6)
        {
            return PasswordVerdict.TooFewDistinctCharacters;
        }

        string lower = password.ToLowerInvariant();
        if (userName.Length >= 3 && lower.Contains(userName.ToLowerInvariant(), StringComparison.Ordinal))
        {
            return PasswordVerdict.ContainsUserName;
        }

        char[] padding = "0123456789!@#$%^&*?.,-_+=~ ".ToCharArray();
        string[] forms = { lower, lower.TrimEnd(padding), lower.TrimStart(padding), lower.Trim(padding) };
        return forms[3].Length == 0 || Array.Exists(forms, CommonPasswords.Contains) ? PasswordVerdict.Common : PasswordVerdict.Accepted;
    }

    /// <summary>The sentence the console shows for a verdict.</summary>
    public static string Explain(PasswordVerdict verdict) => verdict switch
    {
        PasswordVerdict.TooShort => "The password must be at least " + MinLength + " characters long.",
        PasswordVerdict.TooLong => "The password must be at most " + MaxLength + " characters long.",
        PasswordVerdict.TooFewDistinctCharacters => "The password repeats too few different characters.",
        PasswordVerdict.ContainsUserName => "The password must not contain the user name.",
        PasswordVerdict.Common => "This password is on the list of common passwords.",
        _ => string.Empty,
    };

    private static HashSet<string> Load()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("common-passwords.txt is not embedded");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is string line)
        {
            line = line.Trim().ToLowerInvariant();
            if (line.Length > 0 && line[0] != '#')
            {
                set.Add(line);
            }
        }

        return set;
    }
}
