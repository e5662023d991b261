using System;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Lab.Ingest;

/// <summary>Health reports made by the device's own encoder (<see cref="HealthReport.EncodeCbor"/>) for load and ingest tests.</summary>
public static class HealthReports
{
    /// <summary>A plausible CBOR report numbered <paramref name="sequence"/> of boot <paramref name="boot"/>.</summary>
    public static byte[] Cbor(long boot, long sequence, int supplyMillivolts = 3300, int bootReason = (int)BootReason.FirstBoot)
    {
        var snapshot = new HealthSnapshot
        {
            Sequence = sequence,
            UptimeSeconds = 30 + (sequence * 300),
            BootCount = boot,
            BootReason = bootReason,
            HasSupply = true,
            SupplyMillivolts = supplyMillivolts,
            HasNativeMemory = true,
            HeapTotalKiB = 290,
            HeapFreeKiB = 190,
            HeapLargestKiB = 110,
            HeapFreeMinKiB = 170,
            HasManagedMemory = true,
            ManagedFreeKiB = 110,
            ManagedFreeMinKiB = 100,
            MessagesUp = sequence + 2,
            PayloadUpKiB = sequence / 10,
            MessagesUpSinceLast = 1,
            BytesUpSinceLast = 75,
            HasRssi = true,
            Rssi = -60,
            Attempts = 1,
            VersionMajor = 1,
            VersionMinor = 0,
            VersionPatch = 0,
            SecurityVersion = 1,
            CertificateDays = 700,
            Flags = HealthFlags.TimeSynchronised,
        };
        byte[] buffer = new byte[HealthReport.MaxCborBytes];
        int length = new HealthReport().EncodeCbor(snapshot, buffer, 0, buffer.Length);
        return buffer.AsSpan(0, length).ToArray();
    }
}
