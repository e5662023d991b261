using SecureDevice.Core.Storage;

namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The reconnect policy's persisted state (state/reconnect), version 1: what each rule keeps across a reboot and the
    /// wait still owed. Plain fields, read and written whole; <see cref="TryRead"/> range-checks what a rule would
    /// otherwise trust. Layout (big-endian, <see cref="RecordWriter"/>): version byte, schedule failures (int32),
    /// authentication failures (int32), unstable boots (int32), first unstable boot (int64, Unix s), safe mode (bool),
    /// wait owed (int64, ms), not before (int64, Unix s, -1 unknown), throttle until (int64, Unix s), throttle interval
    /// (int64, ms).
    /// </summary>
    public sealed class ReconnectRecord
    {
        /// <summary>Largest record, bytes.</summary>
        public const int MaxSize = 64;

        private const int Version = 1;

        /// <summary>Ordinary failures since the last stable connection (<see cref="ReconnectSchedule"/>), ≥ 0.</summary>
        public int Failures;

        /// <summary>Consecutive authentication failures (<see cref="AuthenticationBreaker"/>), ≥ 0.</summary>
        public int AuthenticationFailures;

        /// <summary>Boots without a stable connection (<see cref="BootLoopBreaker"/>), ≥ 0.</summary>
        public int Boots;

        /// <summary>Wall-clock time of the first of those boots, Unix seconds.</summary>
        public long FirstUnstableBootUtc;

        /// <summary>True in safe mode.</summary>
        public bool SafeMode;

        /// <summary>Wait owed when the record was written, ms, ≥ 0.</summary>
        public long OwedMs;

        /// <summary>Wall-clock end of the wait owed, Unix seconds (-1: the clock was not synchronised).</summary>
        public long NotBeforeUtc;

        /// <summary>End of the throttle in force, Unix seconds (<see cref="ThrottleWindow"/>).</summary>
        public long ThrottleUntilUtc;

        /// <summary>The throttle's minimum interval between attempts, ms, ≥ 0.</summary>
        public long ThrottleIntervalMs;

        /// <summary>Reads a record written by <see cref="Write"/>.</summary>
        /// <returns>False for a damaged or foreign record; the fields are then unchanged.</returns>
        public bool TryRead(byte[] buffer, int offset, int count)
        {
            RecordReader reader = new RecordReader(buffer, offset, count);
            // Initialised although every path that reads them has assigned them: a mutation tool that turns one && of the
            // chain below into || could otherwise not compile that mutant, and would then skip every mutant of this method.
            int version = 0;
            int failures = 0;
            int authFailures = 0;
            int boots = 0;
            long firstBoot = 0;
            bool safeMode = false;
            long owed = 0;
            long notBefore = 0;
            long throttleUntil = 0;
            long throttleInterval = 0;
            if (!(reader.TryReadByte(out version) && version == Version
                && reader.TryReadInt32(out failures) && failures >= 0
                && reader.TryReadInt32(out authFailures) && authFailures >= 0
                && reader.TryReadInt32(out boots) && boots >= 0
                && reader.TryReadInt64(out firstBoot)
                && reader.TryReadBoolean(out safeMode)
                && reader.TryReadInt64(out owed) && owed >= 0
                && reader.TryReadInt64(out notBefore)
                && reader.TryReadInt64(out throttleUntil)
                && reader.TryReadInt64(out throttleInterval) && throttleInterval >= 0))
            {
                return false;
            }

            Failures = failures;
            AuthenticationFailures = authFailures;
            Boots = boots;
            FirstUnstableBootUtc = firstBoot;
            SafeMode = safeMode;
            OwedMs = owed;
            NotBeforeUtc = notBefore;
            ThrottleUntilUtc = throttleUntil;
            ThrottleIntervalMs = throttleInterval;
            return true;
        }

        /// <summary>Writes the fields in the layout above.</summary>
        public void Write(RecordWriter writer)
        {
            writer.WriteByte(Version);
            writer.WriteInt32(Failures);
            writer.WriteInt32(AuthenticationFailures);
            writer.WriteInt32(Boots);
            writer.WriteInt64(FirstUnstableBootUtc);
            writer.WriteBoolean(SafeMode);
            writer.WriteInt64(OwedMs);
            writer.WriteInt64(NotBeforeUtc);
            writer.WriteInt64(ThrottleUntilUtc);
            writer.WriteInt64(ThrottleIntervalMs);
        }
    }
}
