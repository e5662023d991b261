using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.Core.Text;
using SecureDevice.WebConsole.Queries;
using SecureDevice.WebConsole.Updates;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages.Updates;

/// <summary>
/// Update offers: the bundles the console may offer (each verified now with the device's verifier), the rollouts of the
/// user's tenant, and for operators the offer form (a device, or a group: a customer's devices and/or a version code).
/// </summary>
public sealed class IndexModel : PageModel
{
    private const int PageSize = 50;

    private readonly UpdateOffers _offers;
    private readonly ConsoleOptions _options;

    public IndexModel(UpdateOffers offers, ConsoleOptions options)
    {
        _offers = offers;
        _options = options;
    }

    public IReadOnlyList<BundleEntry> Bundles { get; private set; } = Array.Empty<BundleEntry>();

    public ListPage<RolloutRecord> Rollouts { get; private set; } = new(Array.Empty<RolloutRecord>(), null);

    public bool CanOffer { get; private set; }

    public bool Configured => _offers.Configured;

    public string? Message { get; private set; }

    public long? RolloutId { get; private set; }

    public bool Done { get; private set; }

    [BindProperty, Required, RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public string Bundle { get; set; } = string.Empty;

    [BindProperty, Required, RegularExpression("^(device|group)$")]
    public string Target { get; set; } = "device";

    [BindProperty(SupportsGet = true), StringLength(64)]
    public string? Device { get; set; }

    [BindProperty, RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    public string? Customer { get; set; }

    [BindProperty, Range(0, long.MaxValue)]
    public long? Version { get; set; }

    [BindProperty, Required, StringLength(200, MinimumLength = 1)]
    public string Reason { get; set; } = string.Empty;

    /// <summary>Groups: the waves, cumulative (<c>1%,10%,100%</c>; empty: the whole group at once).</summary>
    [BindProperty, StringLength(WavePlan.MaxTextLength)]
    public string? Waves { get; set; }

    /// <summary>Groups: devices in the first wave, then the rest (empty: see <see cref="Waves"/>).</summary>
    [BindProperty, Range(1, UpdateOffers.MaxDevices)]
    public int? FirstWave { get; set; }

    [BindProperty, Range(0, 100)]
    public int? HaltPercent { get; set; }

    [BindProperty, Range(WavePlan.MinTimeoutMinutes, WavePlan.MaxTimeoutMinutes)]
    public int? WaveTimeoutMinutes { get; set; }

    public async Task<IActionResult> OnGetAsync(string? before)
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        long? cursor = null;
        if (!string.IsNullOrEmpty(before))
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out long b) || b <= 0)
            {
                return BadRequest();
            }

            cursor = b;
        }

        if (Device != null && !SafeName.IsDeviceId(Device))
        {
            Device = null;
        }

        await LoadAsync(user, cursor);
        return Page();
    }

    public async Task<IActionResult> OnPostOfferAsync()
    {
        ConsoleUser? user = ConsoleUser.From(User);
        if (user == null)
        {
            return Forbid();
        }

        if (!user.IsOperator)
        {
            return Forbid();
        }

        var problems = ModelState.Where(e => e.Value!.Errors.Count > 0).Select(e => e.Key).ToList();
        OfferTarget? target = OfferTarget.TryCreate(Target, Device, Customer, Version, user, problems);
        WavePlan plan = WavePlan.AllAtOnce;
        if (problems.Count > 0 || target == null
            // The form carries the group's wave fields whatever the target; a device ignores them (the API refuses them).
            || (!target.IsDevice && !WavePlan.TryCreate(Waves, FirstWave, HaltPercent, WaveTimeoutMinutes, false, problems, out plan)))
        {
            Message = "Offer refused, check: " + string.Join(", ", problems.Distinct(StringComparer.Ordinal)) + ".";
            Response.StatusCode = 400;
            await LoadAsync(user, null);
            return Page();
        }

        string from = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        OfferResult result = await _offers.OfferAsync(user, from, UpdateOffers.ConsoleActor(user, from), Bundle, target, Reason, plan, HttpContext.RequestAborted);
        if (result.Status == OfferStatus.NotFound)
        {
            return NotFound();
        }

        Done = result.Status == OfferStatus.Accepted;
        RolloutId = result.RolloutId > 0 ? result.RolloutId : null;
        Message = result.Status.ToString() + ": " + result.Detail;
        Response.StatusCode = result.Status == OfferStatus.Accepted ? 200 : result.HttpStatus; // the page shows the recorded rollout

        await LoadAsync(user, null);
        return Page();
    }

    private async Task LoadAsync(ConsoleUser user, long? before)
    {
        CanOffer = user.IsOperator && _offers.Configured;
        Bundles = _offers.Catalog?.List(_options.Time.GetUtcNow().ToUnixTimeSeconds()) ?? Array.Empty<BundleEntry>();
        Rollouts = await _offers.Rollouts.ListAsync(user.CustomerId, before, PageSize, HttpContext.RequestAborted);
    }
}
