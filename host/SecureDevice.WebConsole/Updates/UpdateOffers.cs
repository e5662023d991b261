using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Core.Update;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Updates;

/// <summary>What an offer did (docs/console.md, "Update offers").</summary>
public enum OfferStatus
{
    /// <summary>
    /// Recorded (the rollout, its waves, the audit line): the worker publishes wave 1 outside the request, and retries
    /// while the broker is away (HTTP 202).
    /// </summary>
    Accepted,

    /// <summary>The console has no bundle folder or no publisher: offers are off.</summary>
    NotConfigured,

    /// <summary>No bundle of that name.</summary>
    UnknownBundle,

    /// <summary>The bundle does not verify now (signature, policy, files): never offered.</summary>
    BundleRefused,

    /// <summary>The device or customer is unknown or not the user's (the page answers 404, like any foreign id).</summary>
    NotFound,

    /// <summary>The group selects no active device.</summary>
    NoDevices,

    /// <summary>The group selects more than <see cref="UpdateOffers.MaxDevices"/> devices.</summary>
    TooManyDevices,
}

/// <summary>One device (<see cref="DeviceId"/>), or a group: a customer's devices and/or those on a version code.</summary>
public sealed record OfferTarget(string? DeviceId, string? CustomerId, long? VersionCode)
{
    public bool IsDevice => DeviceId != null;

    /// <summary>
    /// The target of an offer form or API body: <paramref name="kind"/> "device" needs a valid device id; "group" needs a
    /// customer or a version code unless the user belongs to a customer (then the group is within it anyway: no
    /// accidental whole-fleet offer by staff). Null with the fields at fault in <paramref name="problems"/>.
    /// </summary>
    public static OfferTarget? TryCreate(string? kind, string? deviceId, string? customerId, long? versionCode, ConsoleUser user, List<string> problems)
    {
        if (kind == "device")
        {
            if (!SecureDevice.Core.Text.SafeName.IsDeviceId(deviceId ?? string.Empty))
            {
                problems.Add("device");
                return null;
            }

            return new OfferTarget(deviceId, null, null);
        }

        if (kind == "group")
        {
            if (customerId == null && versionCode == null && user.CustomerId == null)
            {
                problems.Add("a group needs a customer or a version code");
                return null;
            }

            return new OfferTarget(null, customerId, versionCode);
        }

        problems.Add("target");
        return null;
    }

    public string Describe() => DeviceId != null ? "device " + DeviceId
        : "group" + (CustomerId != null ? " customer=" + CustomerId : string.Empty) + (VersionCode is long v ? " version=" + v : string.Empty);
}

/// <param name="Waves">The devices in each wave (empty unless accepted).</param>
public sealed record OfferResult(OfferStatus Status, string Detail, long RolloutId, IReadOnlyList<int> Waves)
{
    /// <summary>The HTTP answer of an offer, the same for the page and the API.</summary>
    public int HttpStatus => Status switch
    {
        OfferStatus.Accepted => 202,
        OfferStatus.NotConfigured => 503,
        OfferStatus.NotFound => 404,
        _ => 400,
    };
}

/// <summary>
/// Offers a verified bundle to a device or a group (docs/update-engine.md, "Offer"; docs/console.md, "Rollouts and
/// waves"): the bundle is checked again with the device's verifier, the target resolved within the user's tenant (active
/// devices only) and split into the plan's waves; the request records the rollout (schema step 6), its waves (steps 7
/// and 9) and a console audit line <c>rollout.offer</c>, and returns. <see cref="RolloutWaveRunner"/> publishes each
/// wave outside any request: per device the offer <c>{"url":…,"manifestSha256":…}</c> on <c>devices/ID/down/update</c>
/// (QoS 1, not retained, 24 h expiry), recorded in the rollout and in the append-only action audit (kind <c>offer</c>).
/// The role check (operator) is the page's; the tenant check is here.
/// </summary>
public sealed class UpdateOffers
{
    /// <summary>Most devices one offer may reach (a larger group is refused, not cut).</summary>
    public const int MaxDevices = 10_000;

    /// <summary>How long the broker keeps an undelivered offer.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(24);

    private readonly BundleCatalog? _catalog;
    private readonly IDeviceCommandPublisher? _publisher;
    private readonly IFleetStore _fleet;
    private readonly RolloutStore _rollouts;
    private readonly TimeProvider _time;

    private readonly SecureDevice.WebConsole.Accounts.AccountStore _audit;

    // Released when an offer is recorded (or a rollout resumed): the worker's wait ends early, so wave 1 goes out within
    // a moment instead of within WaveInterval.
    private readonly SemaphoreSlim _wake = new(0, 1);

    public UpdateOffers(BundleCatalog? catalog, IDeviceCommandPublisher? publisher, IFleetStore fleet, RolloutStore rollouts, RolloutWaveStore waves,
        SecureDevice.WebConsole.Accounts.AccountStore audit, TimeProvider time)
    {
        _audit = audit;
        _catalog = catalog;
        _publisher = publisher;
        _fleet = fleet;
        _rollouts = rollouts;
        Waves = waves;
        _time = time;
    }

    /// <summary>The staged rollouts' plans and states (schema step 7).</summary>
    public RolloutWaveStore Waves { get; }

    public bool Configured => _catalog != null && _publisher != null;

    public BundleCatalog? Catalog => _catalog;

    public RolloutStore Rollouts => _rollouts;

    /// <summary>The offer payload a device parses (checked with the device's own <see cref="UpdateOfferParser"/>).</summary>
    public static byte[] Payload(string url, string manifestSha256)
    {
        using var buffer = new System.IO.MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("url", url);
            json.WriteString("manifestSha256", manifestSha256);
            json.WriteEndObject();
        }

        byte[] payload = buffer.ToArray();
        if (new UpdateOfferParser().TryParse(payload, 0, payload.Length, out UpdateOffer _) != SecureDevice.Core.Text.DocumentStatus.Valid)
        {
            throw new ArgumentException("not an offer a device accepts: " + Encoding.UTF8.GetString(payload), nameof(url));
        }

        return payload;
    }

    /// <summary>Who offered, as the audit names it: <c>console:USER@ADDRESS</c> from the page.</summary>
    public static string ConsoleActor(ConsoleUser user, string address) => "console:" + user.Name + "@" + address;

    /// <summary>Ends the worker's current wait (many calls, one wake-up).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already due to wake.
        }
    }

    /// <summary>The worker's wait: <paramref name="interval"/> or until <see cref="Wake"/>.</summary>
    internal Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken) => _wake.WaitAsync(interval, cancellationToken);

    /// <param name="actor">Who and through what, for the audit: <see cref="ConsoleActor"/>, or the API's <c>api:USER@ADDRESS token ID</c>.</param>
    /// <param name="plan">The waves (<see cref="WavePlan.TryCreate"/>); a device target is always one wave.</param>
    public async Task<OfferResult> OfferAsync(ConsoleUser user, string address, string actor, string bundleName, OfferTarget target, string reason, WavePlan plan,
        CancellationToken cancellationToken)
    {
        if (_catalog == null || _publisher == null)
        {
            return new OfferResult(OfferStatus.NotConfigured, "update offers are not configured (service: --bundles, --bundle-url, --bundle-root)", 0, Array.Empty<int>());
        }

        // Target first (404 whatever the bundle), so a foreign id never learns anything from the bundle's answer.
        if (target.CustomerId != null && user.CustomerId != null && target.CustomerId != user.CustomerId)
        {
            return new OfferResult(OfferStatus.NotFound, "no such device or customer", 0, Array.Empty<int>());
        }

        IReadOnlyList<DeviceRecord> all = await _fleet.ListDevicesAsync(cancellationToken).ConfigureAwait(false);
        List<DeviceRecord> devices;
        if (target.DeviceId != null)
        {
            DeviceRecord? one = all.FirstOrDefault(d => d.DeviceId == target.DeviceId);
            if (one == null || !user.CanSee(one))
            {
                return new OfferResult(OfferStatus.NotFound, "no such device or customer", 0, Array.Empty<int>());
            }

            devices = one.Status == "active" ? new List<DeviceRecord> { one } : new List<DeviceRecord>();
        }
        else
        {
            devices = all.Where(d => user.CanSee(d) && d.Status == "active"
                && (target.CustomerId == null || d.CustomerId == target.CustomerId)
                && (target.VersionCode == null || d.VersionCode == target.VersionCode)).ToList();
        }

        if (devices.Count == 0)
        {
            return new OfferResult(OfferStatus.NoDevices, "no active device matches " + target.Describe(), 0, Array.Empty<int>());
        }

        if (devices.Count > MaxDevices)
        {
            return new OfferResult(OfferStatus.TooManyDevices, devices.Count + " devices match; at most " + MaxDevices + " per offer", 0, Array.Empty<int>());
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        BundleEntry? bundle = _catalog.Check(bundleName, now / 1000);
        if (bundle == null)
        {
            return new OfferResult(OfferStatus.UnknownBundle, "no bundle of that name", 0, Array.Empty<int>());
        }

        if (!bundle.Verified)
        {
            return new OfferResult(OfferStatus.BundleRefused, "the bundle does not verify, nothing offered: " + bundle.Detail, 0, Array.Empty<int>());
        }

        _ = Payload(bundle.Url, bundle.ManifestSha256!); // a payload the device would refuse is a bug: refused before anything is recorded
        string? tenant = user.CustomerId ?? target.CustomerId ?? (devices.Select(d => d.CustomerId).Distinct().Count() == 1 ? devices[0].CustomerId : null);
        var record = new RolloutRecord(0, now, actor, address, tenant, bundle.Name, bundle.Product!, bundle.Version!, bundle.SecurityVersion,
            bundle.ManifestSha256!, bundle.Url, target.Describe(), reason, devices.Count);

        // The waves in device-id order: the first wave is the first devices by id, the same answer on every instance.
        IReadOnlyList<int> sizes = (target.IsDevice ? WavePlan.AllAtOnce : plan).Sizes(devices.Count);
        List<string> ordered = devices.Select(d => d.DeviceId).OrderBy(d => d, StringComparer.Ordinal).ToList();
        var waves = new List<IReadOnlyList<string>>();
        int taken = 0;
        foreach (int size in sizes)
        {
            waves.Add(ordered.GetRange(taken, size));
            taken += size;
        }

        // The rollout, its plan and its state in one transaction (batched): all recorded, or nothing.
        long rollout = await Waves.AddAsync(record, target.IsDevice ? WavePlan.AllAtOnce : plan, waves, now, actor, cancellationToken).ConfigureAwait(false);
        string what = bundle.Name + " (" + bundle.Product + " " + bundle.Version + ") to " + devices.Count + " device(s) in " + sizes.Count + " wave(s): " + string.Join(" + ", sizes);
        await _audit.AppendAuditAsync(user.Name, "rollout.offer", "rollout " + rollout + ": " + what + (actor.StartsWith("api:", StringComparison.Ordinal) ? " (" + actor + ")" : string.Empty),
            tenant, address, now, cancellationToken).ConfigureAwait(false);
        Wake();
        return new OfferResult(OfferStatus.Accepted, what + "; wave 1 is being published", rollout, sizes);
    }

    /// <summary>
    /// Publishes the offer to one device, or refuses it without publishing (<paramref name="notAllowed"/>: a revoked or
    /// quarantined device). What is final (<see cref="OfferDelivery.Delivered"/>, <see cref="OfferDelivery.Refused"/>)
    /// is recorded in the rollout and in the action audit (<paramref name="what"/>: bundle, product, version, digest,
    /// wave), in one transaction (<see cref="RolloutStore.AddDeviceAsync"/>); an answer to retry records nothing: the
    /// worker tries again under backoff.
    /// </summary>
    internal async Task<(OfferDelivery Delivery, string Detail)> PublishOneAsync(long rollout, string what, byte[] payload, string deviceId, string? notAllowed, string actor, string reason,
        CancellationToken cancellationToken)
    {
        if (_publisher == null)
        {
            throw new InvalidOperationException("offers are not configured");
        }

        OfferDelivery delivery = OfferDelivery.Refused;
        string detail = notAllowed ?? string.Empty;
        if (notAllowed == null)
        {
            BrokerAccessResult sent = await _publisher.PublishAsync(new DeviceCommand("devices/" + deviceId + "/down/update", payload, false, Expiry), cancellationToken).ConfigureAwait(false);
            delivery = OfferDeliveries.Classify(sent);
            detail = delivery == OfferDelivery.Refused ? "refused for good, not retried: " + sent.Detail : sent.Detail;
            if (delivery == OfferDelivery.Retry)
            {
                return (delivery, sent.Status + " (" + sent.Detail + ")");
            }
        }

        bool done = delivery == OfferDelivery.Delivered;
        long at = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _rollouts.AddDeviceAsync(new RolloutDeviceRecord(rollout, deviceId, at, done ? "published" : "failed", detail), new SecureDevice.Service.Storage.ActionRecord(0,
            deviceId, "offer", actor, reason, at, done ? "done" : "failed", "rollout " + rollout + ": " + what + "; " + detail), cancellationToken).ConfigureAwait(false);
        return (delivery, detail);
    }
}
