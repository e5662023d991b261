namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// The health report's schema (version <see cref="HealthSnapshot.SchemaVersion"/>) as one table: each line of
    /// <see cref="Write"/> is one value of the report, in wire order, with its CBOR map key, its JSON key, its name and
    /// where its value comes from. The device's encoders (<see cref="HealthReport"/>) write what it lists; the host names
    /// the values from it (SecureDevice.Fleet's HealthSchemaNames: the decoder's named form, its field look-up and the
    /// service's <c>HealthField</c>s); docs/telemetry.md lists the same rows, and a host test fails when they disagree.
    /// A new field is one line here plus its source: a <see cref="HealthSnapshot"/> field that the HealthSampler fills.
    /// Each value's <see cref="HealthValueKind"/> is part of its row: the encoders clamp counters (<see cref="Reported"/>).
    /// </summary>
    public static class HealthSchema
    {
        private const long MaxCounter = 0xFFFFFFFFL;
        private const HealthValueKind Counter = HealthValueKind.Counter;
        private const HealthValueKind Signed = HealthValueKind.Signed;

        /// <summary>Passes every value of <paramref name="s"/> to <paramref name="w"/>, in wire order. Allocates nothing.</summary>
        public static void Write(HealthSnapshot s, IHealthWriter w)
        {
            w.Scalar(0, "v", "schemaVersion", Signed, HealthSnapshot.SchemaVersion);
            w.Scalar(1, "n", "sequence", Counter, s.Sequence);

            w.Group(2, "l", "life");
            w.Field("uptimeS", Counter, s.UptimeSeconds, true);
            w.Field("bootCount", Counter, s.BootCount, true);
            w.Field("bootReason", Counter, s.BootReason, true);

            w.Group(3, "p", "power");
            w.Field("supplyMv", Signed, s.SupplyMillivolts, s.HasSupply);
            w.Field("temperatureDeciC", Signed, s.TemperatureDeciCelsius, s.HasTemperature);
            w.Field("supplyMa", Counter, s.SupplyMilliamps, s.HasSupplyCurrent);
            w.Field("loadPct", Counter, s.LoadPercent, s.HasLoad);

            w.Group(4, "m", "memory");
            w.Field("heapTotalKiB", Counter, s.HeapTotalKiB, s.HasNativeMemory && s.HasHeapTotal);
            w.Field("heapFreeKiB", Counter, s.HeapFreeKiB, s.HasNativeMemory);
            w.Field("heapLargestKiB", Counter, s.HeapLargestKiB, s.HasNativeMemory);
            w.Field("heapFreeMinKiB", Counter, s.HeapFreeMinKiB, s.HasNativeMemory);
            w.Field("managedFreeKiB", Counter, s.ManagedFreeKiB, s.HasManagedMemory);
            w.Field("managedFreeMinKiB", Counter, s.ManagedFreeMinKiB, s.HasManagedMemory);

            w.Group(5, "t", "traffic");
            w.Field("messagesUp", Counter, s.MessagesUp, true);
            w.Field("payloadUpKiB", Counter, s.PayloadUpKiB, true);
            w.Field("messagesUpSinceLast", Counter, s.MessagesUpSinceLast, true);
            w.Field("bytesUpSinceLast", Counter, s.BytesUpSinceLast, true);
            w.Field("messagesDown", Counter, s.MessagesDown, true);
            w.Field("payloadDownKiB", Counter, s.PayloadDownKiB, true);
            w.Field("messagesDownSinceLast", Counter, s.MessagesDownSinceLast, true);
            w.Field("bytesDownSinceLast", Counter, s.BytesDownSinceLast, true);

            w.Group(6, "c", "connection");
            w.Field("rssiDbm", Signed, s.Rssi, s.HasRssi);
            w.Field("attempts", Counter, s.Attempts, true);
            w.Field("failedNetwork", Counter, s.FailedNetwork, true);
            w.Field("failedTls", Counter, s.FailedTls, true);
            w.Field("failedAuthentication", Counter, s.FailedAuthentication, true);
            w.Field("failedRefused", Counter, s.FailedRefused, true);
            w.Field("backoffS", Counter, s.BackoffSeconds, true);

            w.Group(7, "x", "protection");
            w.Field("dropped", Counter, s.Dropped, true);
            w.Field("delayed", Counter, s.Delayed, true);
            w.Field("rejected", Counter, s.Rejected, true);
            w.Field("updateOutcome", Counter, s.UpdateOutcome, true);

            w.Group(8, "i", "identity");
            w.Field("versionMajor", Counter, s.VersionMajor, true);
            w.Field("versionMinor", Counter, s.VersionMinor, true);
            w.Field("versionPatch", Counter, s.VersionPatch, true);
            w.Field("securityVersion", Counter, s.SecurityVersion, true);
            w.Field("certificateDays", Signed, s.CertificateDays, true);

            w.Scalar(9, "f", "flags", Counter, s.Flags);
            w.End();
        }

        /// <summary>The value written for <paramref name="value"/> of <paramref name="kind"/>: a counter clamped to 0..2^32-1, a signed value as it is.</summary>
        public static long Reported(HealthValueKind kind, long value)
        {
            if (kind == HealthValueKind.Signed)
            {
                return value;
            }

            return value < 0 ? 0 : value > MaxCounter ? MaxCounter : value;
        }
    }
}
