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
        return Page();
    }
}
