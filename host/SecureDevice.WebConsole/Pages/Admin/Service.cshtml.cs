using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Graphs;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Admin;

/// <summary>
/// The service's own daily storage, bandwidth and compute (<c>service_daily</c>). Fleet-wide figures reveal every
/// tenant's traffic, so only staff admins (no customer) see them; a customer's admin gets 403.
/// </summary>
public sealed class ServiceModel : PageModel
{
    public const int DefaultDays = 90;
    public const int MaxDays = 1830;

    private readonly ConsoleBackend _backend;
    private readonly ConsoleOptions _options;

    public ServiceModel(ConsoleBackend backend, ConsoleOptions options)
    {
        _backend = backend;
        _options = options;
    }

    public int Days { get; private set; } = DefaultDays;

    public IReadOnlyList<string> Charts { get; private set; } = Array.Empty<string>();

    public IReadOnlyList<DailySummary> Rows { get; private set; } = Array.Empty<DailySummary>();

    public async Task<IActionResult> OnGetAsync(string? days)
    {
        ConsoleUser? admin = ConsoleUser.From(User);
        if (admin is not { IsAdmin: true, CustomerId: null })
        {
            return Forbid();
        }

        if (!string.IsNullOrEmpty(days))
        {
            if (!int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out int d) || d is < 1 or > MaxDays)
            {
                return BadRequest();
            }

            Days = d;
        }

        long now = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        // From the start of the UTC day Days - 1 days ago, so today is the last point.
        long from = now - (now % 86_400_000L) - ((long)(Days - 1) * 86_400_000L);
        Rows = (await _backend.Fleet.ListDailyAsync(from, HttpContext.RequestAborted)).OrderByDescending(r => r.DayMs).ThenBy(r => r.Instance, StringComparer.Ordinal).ToList();
        Charts = ServiceCharts.Build(Rows, from, now);
        return Page();
    }
}
