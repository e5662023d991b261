using System;

namespace SecureDevice.Service.Integration;

/// <summary>
/// When the automatic response ladder acts (docs/service.md, "Response ladder"). A device offends when, within
/// <see cref="Window"/>, ingest refuses at least <see cref="BadMessages"/> of its messages (garbage, wrong shape,
/// over its rate) or detection opens a finding of <see cref="LadderRules"/>. The first offence throttles it; an offence
/// at least <see cref="Grace"/> after a done throttle quarantines it (it ignored the command or is not our firmware).
/// Revocation is never automatic.
/// </summary>
public sealed record LadderPolicy
{
    /// <summary>Refused messages within <see cref="Window"/> that make an offence (1..1,000,000).</summary>
    public int BadMessages { get; init; } = 20;

    /// <summary>The sliding window refused messages are counted in.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Time a throttled device gets to obey (receive the command and slow down) before an offence quarantines it.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Finding codes that are an offence by themselves (trust-free rules seen at the service).</summary>
    public string[] LadderRules { get; init; } = { "message-flood", "invalid-data", "reconnect-storm" };

    /// <summary>Ingest reasons that count as refused messages (replays and unknown devices do not).</summary>
    public string[] Reasons { get; init; } =
    {
        "bad-topic", "rate-limited-device", "too-large", "malformed-cbor", "wrong-shape", "unsupported-schema", "bad-event", "bad-presence",
    };
}
