using System.Globalization;
using System.Text;

namespace SecureDevice.Fleet.Updates;

/// <summary>One request answered by the <see cref="UpdateServer"/>, as written to the access log.</summary>
/// <param name="Client">The client's IP address.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Target">The request target as sent (before normalization), so refused traversal attempts show as sent.</param>
/// <param name="Range">The Range header, or null without one.</param>
/// <param name="Status">HTTP status answered.</param>
/// <param name="Bytes">Body bytes written.</param>
public sealed record UpdateRequest(string Client, string Method, string Target, string? Range, int Status, long Bytes)
{
    /// <summary>Longest header text copied into a log line: requests are untrusted and must not flood the log.</summary>
    public const int MaxLoggedLength = 200;

    /// <summary>"client METHOD target range=R status bytes", every untrusted field escaped onto one line.</summary>
    public override string ToString() =>
        Client + " " + Printable(Method) + " " + Printable(Target) + " range=" + (Range == null ? "-" : Printable(Range)) + " "
        + Status.ToString(CultureInfo.InvariantCulture) + " " + Bytes.ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes anything outside printable ASCII (and the space) as %XX and cuts long values, so a request cannot forge log lines.</summary>
    private static string Printable(string text)
    {
        var output = new StringBuilder(text.Length);
        foreach (char character in text.Length > MaxLoggedLength ? text[..MaxLoggedLength] : text)
        {
            if (character > ' ' && character < 0x7F)
            {
                output.Append(character);
            }
            else
            {
                foreach (byte part in Encoding.UTF8.GetBytes(character.ToString()))
                {
                    output.Append('%').Append(part.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
        }

        return text.Length > MaxLoggedLength ? output.Append("...").ToString() : output.ToString();
    }
}
