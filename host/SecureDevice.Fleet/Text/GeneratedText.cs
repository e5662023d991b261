using System.Globalization;
using System.Text;

namespace SecureDevice.Fleet.Text;

/// <summary>
/// Untrusted text on its way into a generated file. Each target has its own rule: C# source gets only printable ASCII
/// (a comment cannot end early, and C# does not decode \u escapes in comments); mosquitto.conf has no quoting or escape
/// at all, so a value with a control character or surrounding spaces is refused rather than rewritten.
/// </summary>
public static class GeneratedText
{
    /// <summary>Text for a C# <c>//</c> comment: printable ASCII kept, everything else (newlines included) as <c>\uXXXX</c>.</summary>
    public static string CSharpComment(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c >= 0x20 && c < 0x7F)
            {
                output.Append(c);
            }
            else
            {
                output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return output.ToString();
    }

    /// <summary>
    /// A value for one mosquitto.conf line. mosquitto reads a value to the end of its line and trims it: a newline would
    /// start a new directive. Refused: empty values, control characters (CR, LF, TAB, NUL, DEL, C1), Unicode line
    /// separators, and leading or trailing white space.
    /// </summary>
    /// <exception cref="FleetException">The value cannot be written safely.</exception>
    public static string MosquittoValue(string value, string what)
    {
        if (value.Length == 0)
        {
            throw new FleetException(FleetError.InvalidArgument, what + " is empty; it cannot go into mosquitto.conf");
        }

        foreach (char c in value)
        {
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029')
            {
                throw new FleetException(FleetError.InvalidArgument, what + " contains a control character; mosquitto.conf cannot hold it: '" + value + "'");
            }
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            throw new FleetException(FleetError.InvalidArgument, what + " starts or ends with white space; mosquitto.conf would trim it: '" + value + "'");
        }

        return value;
    }
}
