using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Updates;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Updates;

/// <summary>
/// One rollout: its devices and what the broker answered, then the events its devices reported since (update progress
/// and outcomes, faults), newest first. Another tenant's rollout is 404 like a missing one.
/// </summary>
public sealed class RolloutModel : PageModel
{
    public const int MaxEvents = RolloutView.MaxEvents;

    private readonly UpdateOffers _offers;
    private readonly ConsoleBackend _backend;

    public RolloutModel(UpdateOffers offers, ConsoleBackend backend)
    {
        _offers = offers;
        _backend = backend;
    }

    public RolloutRecord? Rollout { get; private set; }

    public IReadOnlyList<RolloutDeviceRecord> Devices { get; private set; } = Array.Empty<RolloutDeviceRecord>();

    public IReadOnlyList<EventRecord> Events { get; private set; } = Array.Empty<EventRecord>();

    /// <summary>Per device: its newest event's fields (the rollout's progress at a glance).</summary>
    public IReadOnlyDictionary<string, EventFields> Latest { get; private set; } = new Dictionary<string, EventFields>();

    /// <summary>The staged rollout's state, or null when everything was offered at once.</summary>
    public WaveRecord? Waves { get; private set; }

    public bool CanOperate { get; private set; }

    public string? Message { get; private set; }

    /// <summary>An operator resumes a halted staged rollout (the rest is offered); antiforgery as on every POST.</summary>
    public Task<IActionResult> OnPostResumeAsync(long id) => CommandAsync(id, (runner, rollout, user, from) => runner.ResumeAsync(rollout, user, from, HttpContext.RequestAborted));

    /// <summary>An operator cancels a judging or halted staged rollout (the rest is never offered).</summary>
    public Task<IActionResult> OnPostCancelAsync(long id) => CommandAsync(id, (runner, rollout, user, from) => runner.CancelAsync(rollout, user, from, HttpContext.RequestAborted));

    private async Task<IActionResult> CommandAsync(long id, Func<RolloutWaveRunner, RolloutRecord, ConsoleUser, string, Task<WaveCommandStatus>> command)
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null || !user.IsOperator)
        {
            return Forbid();
        }

        RolloutRecord? rollout = id > 0 ? await _offers.Rollouts.GetAsync(id, user.CustomerId, HttpContext.RequestAborted) : null;
        if (rollout == null)
        {
            return NotFound();
        }

        var runner = (RolloutWaveRunner)HttpContext.RequestServices.GetService(typeof(RolloutWaveRunner))!;
        WaveCommandStatus status = await command(runner, rollout, user, HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        IActionResult page = await OnGetAsync(id);
        Message = status switch
        {
            WaveCommandStatus.Done => "Done.",
            WaveCommandStatus.BundleRefused => "Refused: the bundle no longer verifies or changed since the offer; nothing offered.",
            _ => "Not possible in this rollout's state; nothing changed.",
        };
        Response.StatusCode = status == WaveCommandStatus.Done ? 200 : 409;
        return page;
    }

    public async Task<IActionResult> OnGetAsync(long id)
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        RolloutView? view = await RolloutView.LoadAsync(_offers, _backend.Fleet, user, id, HttpContext.RequestAborted);
        if (view == null)
        {
            return NotFound();
        }

        Rollout = view.Rollout;
        Devices = view.Devices;
        Events = view.Events;
        Latest = view.Latest;
        Waves = view.Waves;
        CanOperate = user.IsOperator && _offers.Configured;
        return Page();
    }
}
