using System;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Lab.Ingest;

/// <summary>Health reports made by the device's own encoder (<see cref="HealthReport.EncodeCbor"/>) for load and ingest tests.</summary>
public static class HealthReports
{
    /// <summary>
    /// A plausible CBOR report numbered <paramref name="sequence"/> of boot <paramref name="boot"/>: an idle board (load
    /// 8 %, 85 mA, one report of 75 bytes since the last) unless told otherwise; a coin miner reports load, current and
    /// traffic up (<see cref="Miner"/>).
    /// </summary>
    public static byte[] Cbor(long boot, long sequence, int supplyMillivolts = 3300, int bootReason = (int)BootReason.FirstBoot, int loadPercent = 8, int supplyMilliamps = 85, long bytesUpSinceLast = 75, long messagesUpSinceLast = 1)
    {
        var snapshot = new HealthSnapshot
        {
            Sequence = sequence,
            UptimeSeconds = 30 + (sequence * 300),
            BootCount = boot,
            BootReason = bootReason,
            HasSupply = true,
            SupplyMillivolts = supplyMillivolts,
            HasSupplyCurrent = true,
            SupplyMilliamps = supplyMilliamps,
            HasLoad = true,
            LoadPercent = loadPercent,
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
            MessagesUpSinceLast = messagesUpSinceLast,
            BytesUpSinceLast = bytesUpSinceLast,
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

    /// <summary>A report of a board turned coin miner: compute load 97 %, supply current 240 mA, bytes up 40 times the idle board's.</summary>
    public static byte[] Miner(long boot, long sequence) => Cbor(boot, sequence, supplyMillivolts: 3260, loadPercent: 97, supplyMilliamps: 240, bytesUpSinceLast: 3000);
}
