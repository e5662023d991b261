using System;
using System.Globalization;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;

namespace SecureDevice.Tool.Cli;

/// <summary>Strict parsing of option values; every failure is a one-line <see cref="ToolException"/> naming the option.</summary>
public static class CliParsing
{
    /// <summary>"YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ", as Unix seconds.</summary>
    public static long Time(string text, string option)
    {
        if (SecureDevice.Fleet.FleetTime.TryParse(text, out long seconds))
        {
            return seconds;
        }

        throw new ToolException(option + " must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got '" + text + "'");
    }

    /// <summary>A non-negative integer no larger than <paramref name="maximum"/>.</summary>
    public static long Count(string text, string option, long maximum)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > maximum)
        {
            throw new ToolException(option + " must be an integer 0.." + maximum + ", got '" + text + "'");
        }

        return value;
    }

    /// <summary>An integer <paramref name="minimum"/>..<paramref name="maximum"/> (both within int).</summary>
    public static int Between(string text, string option, int minimum, int maximum)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < minimum || value > maximum)
        {
            throw new ToolException(option + " must be an integer " + minimum + ".." + maximum + ", got '" + text + "'");
        }

        return value;
    }

    /// <summary>An IP address literal (never a host name: it goes into configuration files).</summary>
    public static System.Net.IPAddress Address(string text, string option)
    {
        if (!System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? address) || text.Trim() != text || text.Contains('%', StringComparison.Ordinal))
        {
            throw new ToolException(option + " must be an IP address such as 127.0.0.1 or ::1, got '" + text + "'");
        }

        return address;
    }

    /// <summary>A duration: "90", "90s", "5m" or "2h", at most a day.</summary>
    public static TimeSpan Duration(string text, string option)
    {
        char unit = text.Length > 0 && char.IsLetter(text[^1]) ? text[^1] : 's';
        string number = char.IsLetter(unit) && text.Length > 0 && char.IsLetter(text[^1]) ? text[..^1] : text;
        long value = Count(number, option, 86400);
        TimeSpan duration = unit switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new ToolException(option + " must end in s, m or h, got '" + text + "'"),
        };
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(1))
        {
            throw new ToolException(option + " must be between 1 s and 24 h, got '" + text + "'");
        }

        return duration;
    }

    /// <summary>"host:port".</summary>
    public static (string Host, int Port) HostPort(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || Uri.CheckHostName(text[..colon]) == UriHostNameType.Unknown)
        {
            throw new ToolException(option + " must be HOST:PORT, got '" + text + "'");
        }

        long port = Count(text[(colon + 1)..], option, 65535);
        if (port < 1)
        {
            throw new ToolException(option + " port must be 1..65535");
        }

        return (text[..colon], (int)port);
    }

    /// <summary>A <see cref="SafeName.IsIdentifier"/> value.</summary>
    public static string Identifier(string text, string option)
    {
        if (!SafeName.IsIdentifier(text, Manifest.MaxNameLength))
        {
            throw new ToolException(option + " must be 1-48 of [A-Za-z0-9._-] starting with a letter or digit, got '" + text + "'");
        }

        return text;
    }

    /// <summary>"major.minor.patch".</summary>
    public static string Version(string text, string option)
    {
        if (!AppVersion.TryParse(text, out _))
        {
            throw new ToolException(option + " must be major.minor.patch (numbers 0..65535), got '" + text + "'");
        }

        return text;
    }
}
