using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// What the broker or the service saw of one device during [<paramref name="Start"/>, <paramref name="End"/>): facts a
/// taken-over device cannot forge. The service sums them per device per window (5 minutes recommended; 1 to 60 minutes
/// accepted) and passes each window once.
/// </summary>
/// <param name="Start">Window start (UTC).</param>
/// <param name="End">Window end (UTC), after <paramref name="Start"/>.</param>
/// <param name="MessagesUp">Publishes received from the device, every topic (status included).</param>
/// <param name="BytesUp">Their payload and topic bytes.</param>
/// <param name="MessagesDown">Messages delivered to the device.</param>
/// <param name="BytesDown">Their payload and topic bytes.</param>
/// <param name="Connects">Connections the device opened (accepted CONNECTs, or "online" status messages).</param>
/// <param name="Malformed">Payloads the ingest refused: undecodable, oversized, wrong topic.</param>
/// <param name="Backlog">True when the counts include messages the broker queued while the service was away: rate rules
/// skip such a window (its messages arrived together, not at the device's pace); malformed payloads still count.</param>
/// <param name="Refused">Publishes the broker's access control refused (its refusal counter's reports received in the
/// window): they never reached the service, so they are not in <paramref name="MessagesUp"/>.</param>
public readonly record struct TrafficWindow(
    DateTime Start,
    DateTime End,
    long MessagesUp,
    long BytesUp,
    long MessagesDown,
    long BytesDown,
    int Connects,
    int Malformed,
    bool Backlog = false,
    int Refused = 0);

/// <summary>What the registry (the PKI inventory and provisioning) says about a device.</summary>
/// <param name="Product">The product, with the reported version the device's cohort.</param>
/// <param name="CertificateNotAfter">The device certificate's expiry (UTC), or null when unknown.</param>
/// <param name="ReportIntervalSeconds">The configured health report interval (60..86400; the firmware's default 300).</param>
public sealed record DeviceRegistration(string Product, DateTime? CertificateNotAfter, int ReportIntervalSeconds = 300);
