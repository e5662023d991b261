using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages;

/// <summary>The anomaly and alert feed of the devices and customer the user may see.</summary>
public sealed class FeedModel : PageModel
{
    private const int Limit = 200;

    private readonly ConsoleBackend _backend;

    public FeedModel(ConsoleBackend backend) => _backend = backend;

    public IReadOnlyList<FindingRecord> Findings { get; private set; } = Array.Empty<FindingRecord>();

    public IReadOnlyList<AlertRecord> Alerts { get; private set; } = Array.Empty<AlertRecord>();

    public async Task<IActionResult> OnGetAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        HashSet<string> visible = (await _backend.Fleet.ListDevicesAsync(HttpContext.RequestAborted)).Where(user.CanSee).Select(d => d.DeviceId).ToHashSet(StringComparer.Ordinal);
        Findings = (await _backend.Fleet.ListFindingsAsync(null, openOnly: false, limit: 5 * Limit, HttpContext.RequestAborted))
            .Where(f => visible.Contains(f.DeviceId)).OrderByDescending(f => f.LastSeenMs).Take(Limit).ToList();
        Alerts = (await _backend.Fleet.ListAlertsAsync(user.CustomerId, Limit, HttpContext.RequestAborted)).ToList();
        return Page();
    }
}
