using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SecureDevice.WebConsole.Queries;

/// <summary>
/// The filters of the feed and the audit log (docs/console.md, "Filters and paging"): exact device id, exact rule or
/// action kind, exact severity or outcome, a UTC time range [From, To), and a keyset cursor: rows with an id below
/// <see cref="BeforeId"/> (ids only grow, so a page never shifts when new rows arrive). Every field is validated here
/// and reaches SQL only as a parameter.
/// </summary>
public sealed partial record ListFilter(string? DeviceId, string? Kind, string? Level, long? FromMs, long? ToMs, long? BeforeId, int PageSize)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The form's time format (an HTML datetime-local value, read as UTC).</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm";

    /// <summary>
    /// Validates raw query-string values; false with a message naming the bad field. Empty values mean "no filter".
    /// </summary>
    public static bool TryParse(string? device, string? kind, string? level, string? from, string? to, string? before, string? size, out ListFilter filter, out string error)
    {
        filter = new ListFilter(null, null, null, null, null, null, DefaultPageSize);
        error = string.Empty;
        var problems = new List<string>();
        string? Clean(string? value) => string.IsNullOrEmpty(value) ? null : value;
        device = Clean(device);
        kind = Clean(kind);
        level = Clean(level);
        if (device != null && !SecureDevice.Core.Text.SafeName.IsDeviceId(device))
        {
            problems.Add("device: not a device id");
        }

        if (kind != null && !WordPattern().IsMatch(kind))
        {
            problems.Add("rule/action: lower-case letters, digits, '-', '_', ':' (1..64)");
        }

        if (level != null && !WordPattern().IsMatch(level))
        {
            problems.Add("severity/outcome: lower-case letters, digits, '-', '_', ':' (1..64)");
        }

        long? fromMs = Time(Clean(from), "from", problems), toMs = Time(Clean(to), "to", problems);
        long? beforeId = null;
        if (Clean(before) is string b)
        {
            if (long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > 0)
            {
                beforeId = id;
            }
            else
            {
                problems.Add("before: a positive row id");
            }
        }

        int pageSize = DefaultPageSize;
        if (Clean(size) is string s && !(int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) && pageSize is >= 1 and <= MaxPageSize))
        {
            problems.Add("size: 1.." + MaxPageSize);
            pageSize = DefaultPageSize;
        }

        if (fromMs != null && toMs != null && toMs <= fromMs)
        {
            problems.Add("to must be after from");
        }

        if (problems.Count > 0)
        {
            error = string.Join("; ", problems);
            return false;
        }

        filter = new ListFilter(device, kind, level, fromMs, toMs, beforeId, pageSize);
        return true;
    }

    /// <summary>The query-string of this filter with the cursor <paramref name="before"/> (for page links); empty values left out.</summary>
    public Dictionary<string, string> Route(long? before)
    {
        var route = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string name, string? value)
        {
            if (value != null)
            {
                route[name] = value;
            }
        }

        Add("device", DeviceId);
        Add("kind", Kind);
        Add("level", Level);
        Add("from", FromMs is long f ? Format(f) : null);
        Add("to", ToMs is long t ? Format(t) : null);
        Add("size", PageSize == DefaultPageSize ? null : PageSize.ToString(CultureInfo.InvariantCulture));
        Add("before", before?.ToString(CultureInfo.InvariantCulture));
        return route;
    }

    public static string Format(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static long? Time(string? text, string name, List<string> problems)
    {
        if (text == null)
        {
            return null;
        }

        if (DateTime.TryParseExact(text, new[] { TimeFormat, "yyyy-MM-dd'T'HH:mm:ss" }, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime at)
            && at.Year is >= 2000 and <= 9999)
        {
            return new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds();
        }

        problems.Add(name + ": " + TimeFormat.Replace("'", string.Empty, StringComparison.Ordinal) + " (UTC)");
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_:-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}

/// <summary>One page of rows, newest first, and the cursor of the next (older) page, or null at the end.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Rows, long? NextBefore);
