namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>How one delivery attempt ended.</summary>
public enum DeliveryOutcome
{
    /// <summary>Accepted by the receiver.</summary>
    Sent,

    /// <summary>Failed in a way that may pass (timeout, refused connection, 5xx, 408, 429, SMTP 4xx): retried under backoff.</summary>
    Retry,

    /// <summary>Refused in a way that will not pass (4xx, a redirect, a forbidden address, SMTP 5xx): dead-lettered at once.</summary>
    Permanent,
}

/// <summary>An attempt's outcome and a one-line detail (never a secret).</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string Detail);
