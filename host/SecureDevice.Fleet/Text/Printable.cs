using System.Globalization;
using System.Text;

namespace SecureDevice.Fleet.Text;

/// <summary>
/// Makes untrusted text safe to show on a terminal or in a one-line log: every character that could move the cursor,
/// clear the screen, start an escape sequence, reorder or hide text, or begin a new line is replaced by a visible
/// escape (<c>\x1b</c>, <c>\u{202e}</c>). C0 and C1 controls, DEL, Unicode format characters (bidi overrides,
/// zero-width joiners, soft hyphens), line and paragraph separators and unpaired surrogates are escaped; everything else,
/// including other non-ASCII letters, is kept.
/// </summary>
public static class Printable
{
    /// <summary>The text with every unsafe character escaped; null becomes "".</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        StringBuilder? output = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool unsafeCharacter;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                UnicodeCategory pair = CharUnicodeInfo.GetUnicodeCategory(text, i);
                unsafeCharacter = pair == UnicodeCategory.Format;
                if (!unsafeCharacter)
                {
                    output?.Append(c).Append(text[i + 1]);
                    i++;
                    continue;
                }
            }
            else
            {
                unsafeCharacter = IsUnsafe(c);
            }

            if (!unsafeCharacter)
            {
                output?.Append(c);
                continue;
            }

            output ??= new StringBuilder(text, 0, i, text.Length + 16);
            int code = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? char.ConvertToUtf32(c, text[++i]) : c;
            output.Append(code < 0x100 ? "\\x" + code.ToString("x2", CultureInfo.InvariantCulture) : "\\u{" + code.ToString("x4", CultureInfo.InvariantCulture) + "}");
        }

        return output?.ToString() ?? text;
    }

    /// <summary>True when <paramref name="text"/> holds nothing <see cref="Escape"/> would change.</summary>
    public static bool IsSafe(string text) => ReferenceEquals(Escape(text), text) || text.Length == 0;

    private static bool IsUnsafe(char c)
    {
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || char.IsSurrogate(c))
        {
            return true;
        }

        UnicodeCategory category = char.GetUnicodeCategory(c);
        return category is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}
