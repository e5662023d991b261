using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Web;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Pages;

/// <summary>Fleet overview of the devices the user may see: counts by state, open anomalies, versions, throttled and quarantined.</summary>
public sealed class IndexModel : PageModel
{
    private readonly ConsoleBackend _backend;

    public IndexModel(ConsoleBackend backend) => _backend = backend;

    public string? Scope { get; private set; }

    public IReadOnlyList<DeviceRecord> Devices { get; private set; } = Array.Empty<DeviceRecord>();

    public IReadOnlyList<FindingRecord> OpenFindings { get; private set; } = Array.Empty<FindingRecord>();

    public IReadOnlyList<KeyValuePair<(string Status, string ServiceState, string Presence), int>> ByState { get; private set; } = Array.Empty<KeyValuePair<(string, string, string), int>>();

    public IReadOnlyList<KeyValuePair<long?, int>> Versions { get; private set; } = Array.Empty<KeyValuePair<long?, int>>();

    public int Online => Devices.Count(d => d.Presence == "online");

    public int Throttled => Devices.Count(d => d.ServiceState == "throttled");

    public int Quarantined => Devices.Count(d => d.ServiceState == "quarantined");

    public int Revoked => Devices.Count(d => d.Status == "revoked");

    /// <summary>
    /// A device's presence as a person reads it: <c>online</c>, <c>offline</c> or <c>unknown</c>, since when, and why
    /// when the service cut it (<c>offline since … (quarantined: disconnected by the broker)</c>). HTML-encoded by Razor.
    /// </summary>
    public static string PresenceText(DeviceRecord d) => d.Presence + (d.PresenceMs != null ? " since " + Time(d.PresenceMs) : string.Empty)
        + (d.PresenceReason != null ? " (" + d.PresenceReason + ")" : string.Empty);

    public static string Time(long? ms) => ms is long value ? DateTimeOffset.FromUnixTimeMilliseconds(value).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never";

    public async Task<IActionResult> OnGetAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        Scope = user.CustomerId;
        Devices = (await _backend.Fleet.ListDevicesAsync(HttpContext.RequestAborted)).Where(user.CanSee).ToList();
        var visible = Devices.Select(d => d.DeviceId).ToHashSet(StringComparer.Ordinal);
        OpenFindings = (await _backend.Fleet.ListFindingsAsync(null, openOnly: true, limit: 1000, HttpContext.RequestAborted)).Where(f => visible.Contains(f.DeviceId)).Take(200).ToList();
        ByState = Devices.GroupBy(d => (d.Status, d.ServiceState, d.Presence)).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderByDescending(p => p.Value).ToList();
        Versions = Devices.GroupBy(d => d.VersionCode).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderByDescending(p => p.Key).ToList();
        return Page();
    }
}
