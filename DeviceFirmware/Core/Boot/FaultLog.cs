using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Boot
{
    /// <summary>
    /// The device's last fault, kept on flash (state/fault) so that it outlives the reboot it causes and is reported
    /// afterwards: <c>Debug.WriteLine</c> vanishes in Release builds, and a board that rebooted has no console anyway. The
    /// agent publishes an unreported fault as an event once connected and marks it reported when the broker acknowledged
    /// it; the health report's boot reason says <c>Fault</c> after a fault reboot.
    /// <para>
    /// It also counts consecutive faults, which spaces fault reboots out with the flood guard's backoff
    /// (<see cref="RebootDelayMs"/>): a firmware whose main loop keeps failing reboots at most every few minutes, not in a
    /// tight loop. The count restarts when a run was stable (<see cref="MarkStable"/>).
    /// </para>
    /// Flash cost: one record save per fault, one when it was reported, one when the device became stable after faults.
    /// The in-memory state is updated even when a save fails (the fault is still reported this run); the failure is counted.
    /// </summary>
    public sealed class FaultLog
    {
        /// <summary>Longest detail kept, characters (printable ASCII; anything else becomes '?').</summary>
        public const int MaxDetailCharacters = 48;

        /// <summary>Backoff base for fault reboots, ms.</summary>
        public const long RebootBaseMs = 5000;

        /// <summary>Backoff cap for fault reboots, ms.</summary>
        public const long RebootCapMs = 600000;

        /// <summary>Shortest wait before a fault reboot, ms.</summary>
        public const long RebootFloorMs = 1000;

        private const int Format = 1;
        private const int RecordBytes = 64;

        private readonly RecordStore _record;
        private readonly RecordWriter _writer = new RecordWriter(new byte[RecordBytes]);
        private bool _loaded;
        private bool _floorSaveNoted;

        /// <summary>A log over <paramref name="store"/>; call <see cref="Load"/> once at boot.</summary>
        public FaultLog(IFileStore store)
        {
            if (store == null)
            {
                throw new System.ArgumentNullException("store");
            }

            _record = new RecordStore(store, "state/fault", RecordBytes);
            Detail = string.Empty;
        }

        /// <summary>The last fault recorded (<see cref="FaultCode.None"/> when there is none).</summary>
        public FaultCode Code { get; private set; }

        /// <summary>Its detail: at most <see cref="MaxDetailCharacters"/> printable ASCII characters.</summary>
        public string Detail { get; private set; }

        /// <summary>Faults since the last stable run, this one included.</summary>
        public int Consecutive { get; private set; }

        /// <summary>True while the last fault has not been acknowledged by the broker.</summary>
        public bool Unreported { get; private set; }

        /// <summary>Record saves that failed (the device keeps running; the count is reported).</summary>
        public int PersistFailures { get; private set; }

        /// <summary>Reads the record. A missing or damaged record means no fault.</summary>
        public StorageStatus Load()
        {
            bool found;
            StorageStatus status = _record.Load(out found);
            _loaded = true;
            Code = FaultCode.None;
            Detail = string.Empty;
            Consecutive = 0;
            Unreported = false;
            if (status != StorageStatus.Ok || !found)
            {
                return status;
            }

            RecordReader reader = new RecordReader(_record.Payload, _record.PayloadOffset, _record.PayloadLength);
            int format = 0;
            int code = 0;
            int consecutive = 0;
            bool unreported = false;
            string detail = null;
            if (reader.TryReadByte(out format) && format == Format && reader.TryReadByte(out code) && code <= (int)FaultCode.FloorSaveFailed
                && reader.TryReadInt32(out consecutive) && consecutive >= 0 && reader.TryReadBoolean(out unreported)
                && reader.TryReadAscii(out detail) && detail.Length <= MaxDetailCharacters)
            {
                Code = (FaultCode)code;
                Consecutive = consecutive;
                Unreported = unreported && Code != FaultCode.None;
                Detail = detail;
            }

            return StorageStatus.Ok;
        }

        /// <summary>Records a fault: it becomes the unreported last fault and the consecutive count grows.</summary>
        /// <param name="code">What went wrong (not <see cref="FaultCode.None"/>).</param>
        /// <param name="detail">Untrusted text (an exception message, a file name); cleaned and cut to <see cref="MaxDetailCharacters"/>.</param>
        public StorageStatus Record(FaultCode code, string detail)
        {
            if (code == FaultCode.None)
            {
                throw new System.ArgumentException("record a fault, not None", "code");
            }

            Code = code;
            Detail = Clean(detail);
            Consecutive = Consecutive == int.MaxValue ? Consecutive : Consecutive + 1;
            Unreported = true;
            return Save();
        }

        /// <summary>
        /// Takes the update journal's count of failed floor-record saves this boot (<c>JournalStore.FloorSaveFailures</c>: the
        /// loader passes it after the boot, the agent at every step) and decides. The first failure of a boot is recorded as
        /// <see cref="FaultCode.FloorSaveFailed"/>, once per boot (a log lives for one boot), so failing flash fills neither
        /// the record nor the uplink. It never displaces an unreported fault, which says more (a crash, a load failure): it
        /// waits until that one was reported, as the agent passes the count again at every step. A boot that ends first
        /// loses nothing that still holds: the floor record still lags, and the next boot's repair tries, and records, again.
        /// </summary>
        /// <returns>The record's save status; <see cref="StorageStatus.Ok"/> when nothing was recorded.</returns>
        public StorageStatus NoteFloorSaveFailures(int failures)
        {
            if (failures <= 0 || _floorSaveNoted || Unreported)
            {
                return StorageStatus.Ok;
            }

            _floorSaveNoted = true;
            return Record(FaultCode.FloorSaveFailed, "floor record save failed");
        }

        /// <summary>The broker acknowledged the fault event: it is not sent again (the count stays for the backoff).</summary>
        public StorageStatus MarkReported()
        {
            if (!Unreported)
            {
                return StorageStatus.Ok;
            }

            Unreported = false;
            return Save();
        }

        /// <summary>The device ran long enough without a fault: fault reboots start again from the shortest backoff.</summary>
        public StorageStatus MarkStable()
        {
            if (Consecutive == 0)
            {
                return StorageStatus.Ok;
            }

            Consecutive = 0;
            return Save();
        }

        /// <summary>How long to wait before a fault reboot: full jitter under an exponential ceiling of the consecutive count.</summary>
        public long RebootDelayMs(uint random)
        {
            int attempt = Consecutive < 1 ? 0 : Consecutive - 1;
            return Backoff.FullJitterMs(Backoff.CeilingMs(attempt, RebootBaseMs, RebootCapMs), RebootFloorMs, random);
        }

        /// <summary>Stable lower-case name of a fault code, for events and logs.</summary>
        public static string Name(FaultCode code)
        {
            switch (code)
            {
                case FaultCode.MainLoop: return "main-loop";
                case FaultCode.LoadFailed: return "load-failed";
                case FaultCode.ConfigInvalid: return "config-invalid";
                case FaultCode.ApplicationFailed: return "application-failed";
                case FaultCode.OutOfMemory: return "out-of-memory";
                case FaultCode.RollbackRefused: return "rollback-refused";
                case FaultCode.FloorUnknown: return "floor-unknown";
                case FaultCode.FloorSaveFailed: return "floor-save-failed";
                default: return "none";
            }
        }

        // Keeps printable ASCII; ToCharArray rather than text[i], which nanoCLR gets wrong for surrogate pairs.
        private static string Clean(string text)
        {
            if (text == null || text.Length == 0)
            {
                return string.Empty;
            }

            char[] source = text.ToCharArray();
            int length = source.Length < MaxDetailCharacters ? source.Length : MaxDetailCharacters;
            char[] cleaned = new char[length];
            for (int i = 0; i < length; i++)
            {
                char c = source[i];
                cleaned[i] = c >= ' ' && c <= '~' ? c : '?';
            }

            return new string(cleaned);
        }

        private StorageStatus Save()
        {
            if (!_loaded)
            {
                throw new System.InvalidOperationException("call Load first");
            }

            _writer.Reset();
            _writer.WriteByte(Format);
            _writer.WriteByte((int)Code);
            _writer.WriteInt32(Consecutive);
            _writer.WriteBoolean(Unreported);
            _writer.WriteAscii(Detail);
            StorageStatus status = _record.Save(_writer.Buffer, 0, _writer.Length);
            if (status != StorageStatus.Ok)
            {
                PersistFailures++;
            }

            return status;
        }
    }
}
