using System;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>A customer's alert channel.</summary>
public enum AlertChannel
{
    Webhook,
    Email,
}

/// <summary>Where a delivery stands.</summary>
public enum DeliveryState
{
    /// <summary>Waiting for its first attempt.</summary>
    Queued,

    /// <summary>Delivered (webhook 2xx, or the SMTP server accepted the message).</summary>
    Sent,

    /// <summary>An attempt failed and another is scheduled (<see cref="AlertDelivery.NextAttemptAt"/>).</summary>
    Failed,

    /// <summary>Given up (attempts exhausted or a permanent refusal): the dead-letter record.</summary>
    Dead,
}

/// <summary>
/// One alert on one channel: what is stored, retried and finally sent or dead-lettered. The body is built once, so every
/// attempt (and every attempt after a restart) sends the same document with the same <see cref="AlertId"/>, which the
/// receiver uses to drop repeats.
/// </summary>
public sealed record AlertDelivery
{
    /// <summary>This delivery: alert id and channel.</summary>
    public string Id => AlertId + ":" + (Channel == AlertChannel.Webhook ? "webhook" : "email");

    /// <summary>The alert (shared by its channels): "alt_" and 24 hex digits.</summary>
    public required string AlertId { get; init; }

    public required string CustomerId { get; init; }

    /// <summary>The device, or null for a summary.</summary>
    public string? DeviceId { get; init; }

    /// <summary>The finding rule or action kind, or "summary".</summary>
    public required string Kind { get; init; }

    public required AlertChannel Channel { get; init; }

    public required DeliveryState State { get; init; }

    public int Attempts { get; init; }

    /// <summary>The last failure, one line (never a secret), or null.</summary>
    public string? LastError { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset NextAttemptAt { get; init; }

    public DateTimeOffset? DoneAt { get; init; }

    /// <summary>The JSON document (webhook body; the e-mail is rendered from it).</summary>
    public required string Body { get; init; }

    /// <summary>E-mail subject (email channel only).</summary>
    public string? Subject { get; init; }

    /// <summary>True while it still waits for an attempt.</summary>
    public bool Pending => State is DeliveryState.Queued or DeliveryState.Failed;
}
