using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Logging;
using SecureDevice.WebConsole.Graphs;
using SecureDevice.WebConsole.Web;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Pages;

/// <summary>
/// One device: its graphs (supply, bandwidth, heap, reconnect attempts, reboots, with anomaly marks), findings, events,
/// refused input, actions; operators act on it. A device of another tenant is 404 exactly like an unknown one, so ids do not leak.
/// </summary>
public sealed class DeviceModel : PageModel
{
    public const int WindowDays = 7;
    private const int MaxReports = 5000;

    private readonly ConsoleBackend _backend;
    private readonly ConsoleOptions _options;

    private readonly SecureDevice.WebConsole.Updates.UpdateOffers _offers;
    private readonly ILogger _log;

    public DeviceModel(ConsoleBackend backend, ConsoleOptions options, SecureDevice.WebConsole.Updates.UpdateOffers offers, ILogger<DeviceModel> log)
    {
        _backend = backend;
        _options = options;
        _offers = offers;
        _log = log;
    }

    /// <summary>Rollouts that offered an update to this device, newest first.</summary>
    public IReadOnlyList<SecureDevice.WebConsole.Updates.RolloutRecord> Rollouts { get; private set; } = Array.Empty<SecureDevice.WebConsole.Updates.RolloutRecord>();

    public DeviceRecord? Device { get; private set; }

    public IReadOnlyList<string> Charts { get; private set; } = Array.Empty<string>();

    public IReadOnlyList<FindingRecord> Findings { get; private set; } = Array.Empty<FindingRecord>();

    public IReadOnlyList<EventRecord> Events { get; private set; } = Array.Empty<EventRecord>();

    public IReadOnlyList<ActionRecord> Actions { get; private set; } = Array.Empty<ActionRecord>();

    /// <summary>What ingest refused of this device, per reason, over <see cref="RefusedInput.WindowDays"/> days.</summary>
    public IReadOnlyList<RefusedInput.Row> Refused { get; private set; } = Array.Empty<RefusedInput.Row>();

    public bool CanAct { get; private set; }

    public string? Message { get; private set; }

    public bool ActionDone { get; private set; }

    [BindProperty, Required, RegularExpression("^(throttle|quarantine|lift|revoke)$")]
    public string Kind { get; set; } = string.Empty;

    [BindProperty, Required, StringLength(200)]
    public string Reason { get; set; } = string.Empty;

    [BindProperty, StringLength(128)]
    public string? Confirm { get; set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        return await LoadAsync(user, id, HttpContext.RequestAborted) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostActionAsync(string id)
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        // Tenant first (404 for a foreign or unknown device, whatever the role), then the role (403).
        if (!await LoadAsync(user, id, HttpContext.RequestAborted))
        {
            return NotFound();
        }

        if (!user.IsOperator)
        {
            return Forbid();
        }

        if (!ModelState.IsValid)
        {
            Message = "Choose an action and give a reason (at most 200 characters).";
            Response.StatusCode = 400;
            return Page();
        }

        var kind = Enum.Parse<DeviceActionKind>(Kind, ignoreCase: true);
        if (kind == DeviceActionKind.Revoke && Confirm != Device!.DeviceId)
        {
            Message = "To revoke, type the device id exactly.";
            Response.StatusCode = 400;
            return Page();
        }

        string from = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        (ActionOutcome? outcome, string? unavailable) = await ConsoleActions.ExecuteAsync(_backend.Actions,
            new DeviceActionRequest(Device!.DeviceId, kind, "console:" + user.Name + "@" + from, Reason), _log, HttpContext.RequestAborted);
        if (outcome == null)
        {
            // The page as it was loaded before the action (the database may still be failing): the line, no database text.
            Message = Kind + ": " + unavailable + ".";
            Response.StatusCode = 503;
            return Page();
        }

        ActionDone = outcome.Done;
        Message = Kind + (outcome.Done ? ": done. " : ": failed. ") + outcome.Detail;
        await LoadAsync(user, id, HttpContext.RequestAborted);
        return Page();
    }

    private async Task<bool> LoadAsync(ConsoleUser user, string id, CancellationToken cancellationToken)
    {
        DeviceRecord? device = id.Length is > 0 and <= 128 ? await _backend.Fleet.GetDeviceAsync(id, cancellationToken) : null;
        if (device == null || !user.CanSee(device))
        {
            return false;
        }

        Device = device;
        CanAct = user.IsOperator;
        long to = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long from = to - (WindowDays * 86_400_000L);
        IReadOnlyList<HealthRecord> health = await _backend.Fleet.ListHealthAsync(id, from, to + 1, MaxReports, cancellationToken);
        Findings = await _backend.Fleet.ListFindingsAsync(id, openOnly: false, limit: 100, cancellationToken);
        Events = await _backend.Fleet.ListEventsAsync(id, from, 100, cancellationToken);
        Actions = await _backend.Fleet.ListActionsAsync(id, 50, cancellationToken);
        Refused = await RefusedInput.LoadAsync(_backend.Fleet, id, to, cancellationToken);
        Rollouts = await _offers.Rollouts.ForDeviceAsync(id, 20, cancellationToken);
        // The time axis starts at the first report of the window, so a device seen for two hours is not a sliver at the right edge.
        Charts = DeviceCharts.Build(health, Findings, health.Count > 0 ? Math.Max(from, health[0].ReceivedMs) : from, to);
        return true;
    }
}
