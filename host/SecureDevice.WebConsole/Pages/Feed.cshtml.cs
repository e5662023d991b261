using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages;

/// <summary>
/// The anomaly and alert feed of the devices and customer the user may see, filtered (device, rule, severity, time range)
/// and paged by keyset (<see cref="FeedQueries"/>): anomalies with <c>before</c>, alerts with <c>abefore</c>.
/// </summary>
public sealed class FeedModel : PageModel
{
    private readonly ConsoleBackend _backend;

    public FeedModel(ConsoleBackend backend) => _backend = backend;

    public ListFilter Filter { get; private set; } = new(null, null, null, null, null, null, ListFilter.DefaultPageSize);

    public ListPage<FindingRecord> Findings { get; private set; } = new(Array.Empty<FindingRecord>(), null);

    public ListPage<AlertRecord> Alerts { get; private set; } = new(Array.Empty<AlertRecord>(), null);

    public string? Error { get; private set; }

    /// <summary>Query-string of the next anomaly page (alerts stay where they are), or null.</summary>
    public Dictionary<string, string>? NextFindings { get; private set; }

    public Dictionary<string, string>? NextAlerts { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? device, string? kind, string? level, string? from, string? to, string? before, string? abefore, string? size)
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        if (!ListFilter.TryParse(device, kind, level, from, to, before, size, out ListFilter filter, out string error)
            || !ListFilter.TryParse(null, null, null, null, null, abefore, null, out ListFilter alertCursor, out error))
        {
            Error = error;
            Response.StatusCode = 400;
            return Page();
        }

        Filter = filter;
        var queries = new FeedQueries(_backend.Accounts.Dialect);
        Findings = await queries.FindingsAsync(user.CustomerId, filter, HttpContext.RequestAborted);
        // Alerts have a delivery state, not a severity: the severity filter applies to anomalies only.
        Alerts = await queries.AlertsAsync(user.CustomerId, filter with { Level = null, BeforeId = alertCursor.BeforeId }, HttpContext.RequestAborted);
        if (Findings.NextBefore is long nf)
        {
            NextFindings = With(filter.Route(nf), "abefore", alertCursor.BeforeId);
        }

        if (Alerts.NextBefore is long na)
        {
            NextAlerts = With(filter.Route(filter.BeforeId), "abefore", na);
        }

        return Page();
    }

    private static Dictionary<string, string> With(Dictionary<string, string> route, string name, long? value)
    {
        if (value is long v)
        {
            route[name] = v.ToString(CultureInfo.InvariantCulture);
        }

        return route;
    }
}
