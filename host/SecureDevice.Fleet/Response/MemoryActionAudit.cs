using System;
using System.Collections.Generic;
using System.Linq;

namespace SecureDevice.Fleet.Response;

/// <summary>An audit in memory (tests). <see cref="Failing"/> makes every append fail, as a full disk would.</summary>
public sealed class MemoryActionAudit : IActionAudit
{
    private readonly List<ActionRecord> _records = new();

    /// <summary>When true, appends fail (nothing is stored).</summary>
    public bool Failing { get; set; }

    public bool TryAppend(ActionRecord record, out ActionRecord stored)
    {
        lock (_records)
        {
            if (Failing)
            {
                stored = record;
                return false;
            }

            stored = record with { Sequence = _records.Count + 1 };
            _records.Add(stored);
            return true;
        }
    }

    public IReadOnlyList<ActionRecord> Read(string? deviceId = null)
    {
        lock (_records)
        {
            return _records.Where(r => deviceId == null || string.Equals(r.DeviceId, deviceId, StringComparison.Ordinal)).ToArray();
        }
    }
}
