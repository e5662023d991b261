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
    /// <summary>Published to every target device (the broker acknowledged each).</summary>
    Published,

    /// <summary>Published to some; the others failed (each recorded with why).</summary>
    PartlyPublished,

    /// <summary>Every publication failed (the broker is unreachable or refused).</summary>
    Failed,

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

public sealed record OfferResult(OfferStatus Status, string Detail, long RolloutId, int Published, int Failed)
{
    /// <summary>The HTTP answer of an offer, the same for the page and the API.</summary>
    public int HttpStatus => Status switch
    {
        OfferStatus.Published or OfferStatus.PartlyPublished => 200,
        OfferStatus.Failed => 502,
        OfferStatus.NotConfigured => 503,
        OfferStatus.NotFound => 404,
        _ => 400,
    };
}

/// <summary>
/// Offers a verified bundle to a device or a group (docs/update-engine.md, "Offer"): the bundle is checked again with the
/// device's verifier, the target resolved within the user's tenant (active devices only), then for each device the offer
/// <c>{"url":…,"manifestSha256":…}</c> is published on <c>devices/ID/down/update</c> (QoS 1, not retained, 24 h expiry)
/// and recorded twice: in the rollout (schema step 6) and in the append-only action audit (kind <c>offer</c>, actor
/// <c>console:USER@ADDRESS</c>, outcome done/failed). The role check (operator) is the page's; the tenant check is here.
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

    public UpdateOffers(BundleCatalog? catalog, IDeviceCommandPublisher? publisher, IFleetStore fleet, RolloutStore rollouts, RolloutWaveStore waves, TimeProvider time)
    {
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

    /// <param name="actor">Who and through what, for the audit: <see cref="ConsoleActor"/>, or the API's <c>api:USER@ADDRESS token ID</c>.</param>
    /// <param name="waves">For a group larger than its first wave: offer wave 1 only and let <see cref="RolloutWaveWorker"/> judge it; null: everything at once.</param>
    public async Task<OfferResult> OfferAsync(ConsoleUser user, string address, string actor, string bundleName, OfferTarget target, string reason, CancellationToken cancellationToken,
        WavePlan? waves = null)
    {
        if (_catalog == null || _publisher == null)
        {
            return new OfferResult(OfferStatus.NotConfigured, "update offers are not configured (service: --bundles, --bundle-url, --bundle-root)", 0, 0, 0);
        }

        // Target first (404 whatever the bundle), so a foreign id never learns anything from the bundle's answer.
        if (target.CustomerId != null && user.CustomerId != null && target.CustomerId != user.CustomerId)
        {
            return new OfferResult(OfferStatus.NotFound, "no such device or customer", 0, 0, 0);
        }

        IReadOnlyList<DeviceRecord> all = await _fleet.ListDevicesAsync(cancellationToken).ConfigureAwait(false);
        List<DeviceRecord> devices;
        if (target.DeviceId != null)
        {
            DeviceRecord? one = all.FirstOrDefault(d => d.DeviceId == target.DeviceId);
            if (one == null || !user.CanSee(one))
            {
                return new OfferResult(OfferStatus.NotFound, "no such device or customer", 0, 0, 0);
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
            return new OfferResult(OfferStatus.NoDevices, "no active device matches " + target.Describe(), 0, 0, 0);
        }

        if (devices.Count > MaxDevices)
        {
            return new OfferResult(OfferStatus.TooManyDevices, devices.Count + " devices match; at most " + MaxDevices + " per offer", 0, 0, 0);
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        BundleEntry? bundle = _catalog.Check(bundleName, now / 1000);
        if (bundle == null)
        {
            return new OfferResult(OfferStatus.UnknownBundle, "no bundle of that name", 0, 0, 0);
        }

        if (!bundle.Verified)
        {
            return new OfferResult(OfferStatus.BundleRefused, "the bundle does not verify, nothing offered: " + bundle.Detail, 0, 0, 0);
        }

        byte[] payload = Payload(bundle.Url, bundle.ManifestSha256!);
        string? tenant = user.CustomerId ?? target.CustomerId ?? (devices.Select(d => d.CustomerId).Distinct().Count() == 1 ? devices[0].CustomerId : null);
        long rollout = await _rollouts.AddAsync(new RolloutRecord(0, now, actor, address, tenant, bundle.Name, bundle.Product!, bundle.Version!, bundle.SecurityVersion,
            bundle.ManifestSha256!, bundle.Url, target.Describe(), reason, devices.Count), cancellationToken).ConfigureAwait(false);
        List<DeviceRecord> firstWave = devices;
        if (waves != null && !target.IsDevice && devices.Count > waves.FirstWave)
        {
            // Staged: wave 1 now, the rest when the worker judged wave 1 (or an operator resumed).
            List<DeviceRecord> ordered = devices.OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToList();
            firstWave = ordered.Take(waves.FirstWave).ToList();
            await Waves.AddAsync(rollout, waves, firstWave.Select(d => d.DeviceId).ToList(), ordered.Skip(waves.FirstWave).Select(d => d.DeviceId).ToList(), now, actor, cancellationToken).ConfigureAwait(false);
        }

        (int published, int failed) = await PublishAsync(rollout, bundle.Name + " " + bundle.Product + " " + bundle.Version + " manifest " + bundle.ManifestSha256, payload,
            firstWave.Select(d => d.DeviceId), actor, reason, cancellationToken).ConfigureAwait(false);
        int waiting = devices.Count - firstWave.Count;
        OfferStatus status = failed == 0 ? OfferStatus.Published : published == 0 ? OfferStatus.Failed : OfferStatus.PartlyPublished;
        return new OfferResult(status, bundle.Name + " (" + bundle.Product + " " + bundle.Version + ") offered to " + published + " of " + devices.Count + " device(s)"
            + (waiting > 0 ? "; " + waiting + " wait for wave 1 to succeed" : string.Empty), rollout, published, failed);
    }

    /// <summary>
    /// Publishes the offer to each device and records each answer in the rollout and in the action audit
    /// (<paramref name="what"/>: bundle, product, version, digest). Used for an offer and for a later wave.
    /// </summary>
    internal async Task<(int Published, int Failed)> PublishAsync(long rollout, string what, byte[] payload, IEnumerable<string> deviceIds, string actor, string reason, CancellationToken cancellationToken)
    {
        if (_publisher == null)
        {
            throw new InvalidOperationException("offers are not configured");
        }

        what = "rollout " + rollout + ": " + what;
        int published = 0, failed = 0;
        foreach (string deviceId in deviceIds)
        {
            BrokerAccessResult sent = await _publisher.PublishAsync(new DeviceCommand("devices/" + deviceId + "/down/update", payload, false, Expiry), cancellationToken).ConfigureAwait(false);
            bool done = sent.Status == BrokerAccessStatus.Done;
            published += done ? 1 : 0;
            failed += done ? 0 : 1;
            long at = _time.GetUtcNow().ToUnixTimeMilliseconds();
            await _rollouts.AddDeviceAsync(new RolloutDeviceRecord(rollout, deviceId, at, done ? "published" : "failed", sent.Detail), cancellationToken).ConfigureAwait(false);
            await _fleet.AppendActionAsync(new SecureDevice.Service.Storage.ActionRecord(0, deviceId, "offer", actor, reason, at, done ? "done" : "failed", what + "; " + sent.Detail), cancellationToken).ConfigureAwait(false);
        }

        return (published, failed);
    }
}
