using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Per-device and per-customer ingest limits (docs/service.md, "Fair ingest"). A device may send <see cref="DeviceBurst"/>
/// messages at once and <see cref="DevicePerHour"/> per hour on average, all topics together: well above what the
/// firmware ever sends (health: 3 burst, 30 per hour; events and status a few), so only a device that is not running
/// our firmware as configured, or is glitching, reaches it. A customer's bucket holds <see cref="CustomerShare"/> of the
/// sum of its devices' buckets, so a whole misconfigured fleet of one customer cannot take everyone's capacity either.
/// </summary>
public sealed record FairLimits(int DeviceBurst = 60, int DevicePerHour = 720, double CustomerShare = 0.25)
{
    /// <summary>
    /// One instance's part of these limits when <paramref name="instances"/> live instances share a stream dealt round
    /// robin (each sees about 1/L of every device's messages, so L buckets of 1/L together admit the whole limit): burst
    /// and rate divided, rounded up (together at most L - 1 messages looser than the limit, never stricter), at least 1.
    /// The customer's share is a fraction of its devices' (shared) buckets, so it follows. Fewer than 2: these limits.
    /// </summary>
    public FairLimits Share(int instances) => instances < 2 ? this : this with
    {
        DeviceBurst = Math.Max(1, (DeviceBurst + instances - 1) / instances),
        DevicePerHour = Math.Max(1, (int)(((long)DevicePerHour + instances - 1) / instances)),
    };

    /// <summary>The customer's bucket: its share of its devices' buckets, never less than one device's.</summary>
    public (int Capacity, int PerHour) Customer(int devices)
    {
        int capacity = (int)Math.Min(int.MaxValue, Math.Max(DeviceBurst, Math.Ceiling(devices * (double)DeviceBurst * CustomerShare)));
        int perHour = (int)Math.Min(int.MaxValue, Math.Max(DevicePerHour, Math.Ceiling(devices * (double)DevicePerHour * CustomerShare)));
        return (capacity, perHour);
    }
}

/// <summary>Where a restart's last-up time came from (<see cref="FairLimiter.ResumeFrom"/>).</summary>
public enum ResumeSource
{
    /// <summary>Nothing saved and nothing committed: no outage credit after this start.</summary>
    None,

    /// <summary>The time this instance saved while it was up (<c>ingest.last_up_ms:&lt;instance&gt;</c>).</summary>
    SavedTime,

    /// <summary>No saved time: the database's newest commit, or this instance's newest daily flush if earlier.</summary>
    DatabaseFallback,
}

/// <summary>When this instance was last up after a restart (null: not known, no credit), and where that came from.</summary>
public readonly record struct ResumePoint(long? LastUpMs, ResumeSource Source);

/// <summary>The outcome of <see cref="FairLimiter.TryAdmit"/>.</summary>
public enum Admission
{
    Admitted,
    DeviceLimited,
    CustomerLimited,
}

/// <summary>
/// The token buckets of <see cref="FairLimits"/>: the core's token bucket (integer arithmetic, monotonic milliseconds,
/// starts full) through <see cref="RateBucket"/>, which takes any rate. Not thread-safe: the ingest writer owns it. Buckets of quiet devices are dropped by
/// <see cref="Evict"/> (a dropped bucket comes back full, which is what it would have refilled to), so memory follows the
/// devices that are sending, not the fleet.
/// <para>
/// An outage credit (<see cref="CreditOutage"/>; docs/service.md, "Fair ingest"): the limits are charged when a message
/// arrives, and after an outage the broker delivers everything it queued at once, which the buckets would refuse though
/// every device kept to its limits. So once the session comes back with the broker's queue, each bucket may take, once,
/// what it would have refilled had the service been consuming during the outage D, and a full burst more: burst + rate × D
/// messages, used before the normal tokens, by the buckets that exist and those created while the credit lasts
/// (<see cref="CreditWindow"/>). A device flooding during the outage therefore gets at most what it could have sent
/// live, once per outage; the rest of its backlog is refused as before. Two numbers per bucket: what is left of the
/// credit and which outage it came from.
/// </para>
/// </summary>
public sealed class FairLimiter
{
    /// <summary>The longest outage credited (7 days); the broker's session expiry bounds it too (a day by default).</summary>
    public const long MaxOutageMs = 7L * 24 * 3_600_000;

    /// <summary>The shortest time a credit lasts after the reconnect: enough for a short outage's backlog to arrive.</summary>
    public const long MinCreditWindowMs = 60_000;

    /// <summary>The longest time a credit lasts: the broker queues at most 1,000,000 messages (host/broker), which drain in minutes.</summary>
    public const long MaxCreditWindowMs = 3_600_000;

    private readonly Dictionary<string, Slot> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Slot> _customers = new(StringComparer.Ordinal);
    private int _epoch;
    private long _outageMs;
    private long _creditFromMs;
    private long _creditUntilMs;

    public FairLimiter(FairLimits limits)
    {
        Limits = limits;
        Effective = limits;
    }

    /// <summary>The configured limits (all instances together).</summary>
    public FairLimits Limits { get; }

    /// <summary>This instance's part of <see cref="Limits"/> (<see cref="Share"/>): what its buckets hold.</summary>
    public FairLimits Effective { get; private set; }

    /// <summary>How many instances <see cref="Effective"/> is a part for (1: the whole limits).</summary>
    public int SharedBy { get; private set; } = 1;

    /// <summary>
    /// Takes 1/<paramref name="instances"/> of <see cref="Limits"/> from now on (<see cref="FairLimits.Share"/>), existing
    /// buckets included: a bucket keeps its tokens up to its new capacity (a shrink drops the excess; a grow adds no
    /// tokens, they refill at the new rate), so a change of membership is never a windfall. An outage credit already
    /// granted keeps its amount.
    /// </summary>
    public void Share(int instances)
    {
        instances = Math.Max(1, instances);
        if (instances == SharedBy)
        {
            return;
        }

        SharedBy = instances;
        Effective = Limits.Share(instances);
        foreach (KeyValuePair<string, Slot> entry in _devices)
        {
            entry.Value.Bucket.Configure(Effective.DeviceBurst, Effective.DevicePerHour);
        }

        foreach (KeyValuePair<string, Slot> entry in _customers)
        {
            var (capacity, perHour) = Effective.Customer(Math.Max(1, entry.Value.Devices));
            entry.Value.Bucket.Configure(capacity, perHour);
        }
    }

    /// <summary>Buckets held (devices, customers).</summary>
    public (int Devices, int Customers) Size => (_devices.Count, _customers.Count);

    /// <summary>The outage the current or last credit stands for, milliseconds (0: none yet).</summary>
    public long OutageMs => _outageMs;

    /// <summary>How long a credit for an outage of <paramref name="outageMs"/> lasts: the outage, at least 1 minute, at most 1 hour.</summary>
    public static long CreditWindow(long outageMs) => Math.Clamp(outageMs, MinCreditWindowMs, MaxCreditWindowMs);

    /// <summary>The outage credited for <paramref name="outageMs"/>: 0 below 0, at most <see cref="MaxOutageMs"/>.</summary>
    public static long Bound(long outageMs) => Math.Clamp(outageMs, 0, MaxOutageMs);

    /// <summary>
    /// The outage to credit when the ingest session is (re)established, measured by the service's own clock: from when
    /// this instance was last connected and consuming (<paramref name="lastUpMs"/>: the connection's loss in-process,
    /// else the time it persisted while up) to <paramref name="nowMs"/>. 0 when the broker did not keep the session
    /// (nothing was queued) or nothing is known; at most <see cref="MaxOutageMs"/> and the session expiry (the broker
    /// drops a session, and its queue, once it expired).
    /// </summary>
    public static long OutageToCredit(bool sessionPresent, long? lastUpMs, long nowMs, long sessionExpiryMs) =>
        !sessionPresent || lastUpMs is not long up ? 0 : Math.Min(Bound(nowMs - up), Math.Max(0, sessionExpiryMs));

    /// <summary>
    /// When this instance was last connected and consuming, as a restart knows it (docs/service.md, "After an outage"):
    /// the time it saved (<paramref name="savedLastUpMs"/>, <c>ingest.last_up_ms:&lt;instance&gt;</c>) when there is one;
    /// else, the first start of a build that saves it (or a saved row lost), an estimate from the database: the newest
    /// time any instance committed something (<paramref name="newestCommitMs"/>: reports, events, counters), or this
    /// instance's newest daily-summary flush (<paramref name="instanceFlushMs"/>, every 60 s and at a clean stop) when
    /// that is earlier. With one instance the newest commit errs early (it was consuming at least until then): the credit
    /// may be longer than the outage, never shorter. With several, the newest commit may be another's, made while this
    /// one was away: this instance's own flush then bounds the start of its outage. Bounded as always
    /// (<see cref="OutageToCredit"/>: 0 when the clock went backwards, at most 7 days and the session expiry). Nothing
    /// committed (an empty database): nothing to credit.
    /// </summary>
    public static ResumePoint ResumeFrom(long? savedLastUpMs, long? newestCommitMs, long? instanceFlushMs)
    {
        if (savedLastUpMs is long saved)
        {
            return new ResumePoint(saved, ResumeSource.SavedTime);
        }

        if (newestCommitMs is not long commit)
        {
            return new ResumePoint(null, ResumeSource.None);
        }

        return new ResumePoint(instanceFlushMs is long flush ? Math.Min(commit, flush) : commit, ResumeSource.DatabaseFallback);
    }

    /// <summary>
    /// Grants every bucket, from <paramref name="nowMs"/> for <see cref="CreditWindow"/>, burst + rate × the outage
    /// (<see cref="Bound"/>) messages more, once; replaces an earlier credit. Call it only when the broker kept the
    /// session (it queued for the service): a new session has nothing queued, so no credit.
    /// </summary>
    public void CreditOutage(long outageMs, long nowMs)
    {
        long outage = Bound(outageMs);
        if (outage == 0)
        {
            return;
        }

        _epoch++;
        _outageMs = outage;
        _creditFromMs = nowMs;
        _creditUntilMs = nowMs + CreditWindow(outage);
    }

    /// <summary>Whether a credit is in force at <paramref name="nowMs"/>.</summary>
    public bool CreditActive(long nowMs) => _epoch > 0 && nowMs >= _creditFromMs && nowMs < _creditUntilMs;

    /// <summary>
    /// Takes a token from the device's bucket, then from its customer's (a device without an owner has no customer
    /// bucket), the outage credit first while it lasts. A message refused by its device's bucket costs its customer nothing.
    /// </summary>
    public Admission TryAdmit(string deviceId, string? customerId, int customerDevices, long nowMs)
    {
        ref Slot device = ref CollectionsMarshal.GetValueRefOrAddDefault(_devices, deviceId, out bool known);
        if (!known)
        {
            device.Bucket = new RateBucket(Effective.DeviceBurst, Effective.DevicePerHour);
        }

        if (!TakeCredit(ref device, Effective.DeviceBurst, Effective.DevicePerHour, nowMs) && !device.Bucket.TryTake(nowMs))
        {
            return Admission.DeviceLimited;
        }

        if (customerId == null)
        {
            return Admission.Admitted;
        }

        var (capacity, perHour) = Effective.Customer(Math.Max(1, customerDevices));
        ref Slot customer = ref CollectionsMarshal.GetValueRefOrAddDefault(_customers, customerId, out known);
        if (!known)
        {
            customer.Bucket = new RateBucket(capacity, perHour);
            customer.Devices = customerDevices;
        }
        else if (customer.Devices != customerDevices)
        {
            customer.Bucket.Configure(capacity, perHour);
            customer.Devices = customerDevices;
        }

        return TakeCredit(ref customer, capacity, perHour, nowMs) || customer.Bucket.TryTake(nowMs) ? Admission.Admitted : Admission.CustomerLimited;
    }

    /// <summary>
    /// Drops the buckets that are full again at <paramref name="nowMs"/>; how many were dropped. A bucket that drew on
    /// the credit in force is kept until the credit ends: dropped, it would come back with the credit again.
    /// </summary>
    public int Evict(long nowMs)
    {
        bool active = CreditActive(nowMs);
        int dropped = 0;
        foreach (Dictionary<string, Slot> buckets in new[] { _devices, _customers })
        {
            foreach (var (id, slot) in new List<KeyValuePair<string, Slot>>(buckets))
            {
                if (slot.Bucket.Full(nowMs) && !(active && slot.Epoch == _epoch))
                {
                    buckets.Remove(id);
                    dropped++;
                }
            }
        }

        return dropped;
    }

    /// <summary>One message from the bucket's outage credit, the first time the bucket meets this credit granted it.</summary>
    private bool TakeCredit(ref Slot slot, int capacity, int perHour, long nowMs)
    {
        if (!CreditActive(nowMs))
        {
            return false;
        }

        if (slot.Epoch != _epoch)
        {
            slot.Epoch = _epoch;
            slot.Credit = capacity + (perHour * _outageMs / 3_600_000L);
        }

        if (slot.Credit <= 0)
        {
            return false;
        }

        slot.Credit--;
        return true;
    }

    /// <summary>A bucket, its customer's device count (customers only), and what is left of the outage credit it drew.</summary>
    private struct Slot
    {
        public RateBucket Bucket;
        public int Devices;
        public int Epoch;
        public long Credit;
    }
}
