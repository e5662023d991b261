using System;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Why ingest refused a message or set it aside. Each is counted per device id, reason and hour in the counters table
/// and in <c>securedevice_ingest_rejected_total{reason}</c>; docs/service.md lists them with their meaning.
/// </summary>
public enum IngestReason
{
    /// <summary>The topic is not devices/ID/up/{status,health,events,update} with a valid device id.</summary>
    BadTopic,

    /// <summary>The device id is not in the registry (never provisioned, or removed from the inventory).</summary>
    UnknownDevice,

    /// <summary>The device's certificate is revoked; the broker should have refused it (CRL not yet reloaded?).</summary>
    RevokedDevice,

    /// <summary>The device exceeded its own token bucket.</summary>
    RateLimitedDevice,

    /// <summary>The device's customer exceeded its share.</summary>
    RateLimitedCustomer,

    /// <summary>Larger than the largest valid payload of its topic.</summary>
    TooLarge,

    /// <summary>A health report that is not strict CBOR.</summary>
    MalformedCbor,

    /// <summary>CBOR, but not the health report's structure.</summary>
    WrongShape,

    /// <summary>A health report schema this service does not know.</summary>
    UnsupportedSchema,

    /// <summary>An update or device event that is not the documented JSON.</summary>
    BadEvent,

    /// <summary>A status payload other than "online" or "offline".</summary>
    BadPresence,

    /// <summary>A report or event whose identity (boot and sequence) is stored already: sent twice, or replayed.</summary>
    Duplicate,

    /// <summary>A report from an older boot, or far behind the device's newest sequence: a replay of old data.</summary>
    Stale,

    /// <summary>The broker delivered again (DUP) what this service had stored but not acknowledged: not the device's doing.</summary>
    Redelivered,

    /// <summary>The database refused this one message (its values, not the connection); logged, acknowledged.</summary>
    StoreFailed,

    /// <summary>
    /// Publishes the broker's ACL refused to this client (the refusal counter's report, docs/service.md "Publishes refused
    /// by the broker"): counted with the report's count and bytes, detail the last refused topic. Needs no trust in the device.
    /// </summary>
    OutsideAcl,

    /// <summary>A message on the refusal counter's topic that is not its documented report (counted against "(broker)").</summary>
    BadRefusalReport,
}

/// <summary>The kebab-case codes of <see cref="IngestReason"/> as stored and exported.</summary>
public static class IngestReasons
{
    private static readonly string[] Codes =
    {
        "bad-topic", "unknown-device", "revoked-device", "rate-limited-device", "rate-limited-customer", "too-large", "malformed-cbor", "wrong-shape",
        "unsupported-schema", "bad-event", "bad-presence", "duplicate", "stale", "redelivered", "store-failed",
        "outside-acl", "bad-refusal-report",
    };

    public static string Code(this IngestReason reason) => Codes[(int)reason];

    /// <summary>Every reason, in declaration order.</summary>
    public static IngestReason[] All => Enum.GetValues<IngestReason>();

    /// <summary>Replayed in the sense: the same data again (duplicate or stale); redelivery is the service's own.</summary>
    public static bool IsReplay(this IngestReason reason) => reason is IngestReason.Duplicate or IngestReason.Stale;
}
