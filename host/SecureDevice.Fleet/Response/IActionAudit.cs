using System.Collections.Generic;

namespace SecureDevice.Fleet.Response;

/// <summary>
/// The append-only audit of response actions. <see cref="FileActionAudit"/> keeps a hash-chained JSON-lines file;
/// <see cref="MemoryActionAudit"/> serves tests; the fleet service's database implements it later.
/// </summary>
public interface IActionAudit
{
    /// <summary>Appends <paramref name="record"/> (its <see cref="ActionRecord.Sequence"/> is assigned) and returns it as stored.</summary>
    /// <returns>False when the record could not be made durable (then <paramref name="stored"/> is the record unchanged).</returns>
    bool TryAppend(ActionRecord record, out ActionRecord stored);

    /// <summary>Every record, oldest first, or only those of <paramref name="deviceId"/>.</summary>
    IReadOnlyList<ActionRecord> Read(string? deviceId = null);
}
