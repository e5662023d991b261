using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Counts boots and infers the last boot reason from a persisted marker (state/boot): at boot the record is marked
    /// "running"; before a planned reboot the firmware records why. A boot that finds "running" followed an unclean end.
    /// Costs one record save per boot and one per planned reboot.
    /// </summary>
    public sealed class BootTracker
    {
        private const int RecordSize = 16;
        private const int Running = 0;

        private readonly RecordStore _store;
        private readonly RecordWriter _writer = new RecordWriter(new byte[RecordSize]);
        private bool _booted;

        /// <summary>Tracks boots in <paramref name="store"/>.</summary>
        public BootTracker(IFileStore store)
        {
            _store = new RecordStore(store, "state/boot", RecordSize);
        }

        /// <summary>Boots so far, this one included (0 before <see cref="OnBoot"/>).</summary>
        public int BootCount { get; private set; }

        /// <summary>Why this boot happened.</summary>
        public BootReason Reason { get; private set; }

        /// <summary>Storage failures (the device keeps running; the count is reported).</summary>
        public int PersistFailures { get; private set; }

        /// <summary>Reads the marker, decides the boot reason and marks this run as running.</summary>
        /// <param name="wokeFromDeepSleep">The platform's wake cause says deep-sleep wake-up.</param>
        public void OnBoot(bool wokeFromDeepSleep)
        {
            bool found;
            int previousBoots = 0;
            int marker = -1;
            if (_store.Load(out found) == StorageStatus.Ok && found)
            {
                RecordReader reader = new RecordReader(_store.Payload, _store.PayloadOffset, _store.PayloadLength);
                int boots = 0;
                int reason = 0;
                if (reader.TryReadInt32(out boots) && reader.TryReadByte(out reason) && boots >= 0)
                {
                    previousBoots = boots;
                    marker = reason;
                }
            }

            if (wokeFromDeepSleep)
            {
                Reason = BootReason.DeepSleepWake;
            }
            else if (marker < 0)
            {
                Reason = BootReason.FirstBoot;
            }
            else if (marker == Running)
            {
                Reason = BootReason.Unclean;
            }
            else if (marker == (int)BootReason.Planned || marker == (int)BootReason.Update || marker == (int)BootReason.Revert || marker == (int)BootReason.Fault)
            {
                Reason = (BootReason)marker;
            }
            else
            {
                Reason = BootReason.Unclean;
            }

            BootCount = previousBoots == int.MaxValue ? previousBoots : previousBoots + 1;
            _booted = true;
            Save(Running);
        }

        /// <summary>True once <see cref="OnBoot"/> ran.</summary>
        public bool Booted
        {
            get { return _booted; }
        }

        /// <summary>Records that the next reboot is on purpose and why. Call right before rebooting.</summary>
        /// <exception cref="System.ArgumentException">Not Planned, Update, Revert or Fault.</exception>
        public void BeforeReboot(BootReason reason)
        {
            if (reason != BootReason.Planned && reason != BootReason.Update && reason != BootReason.Revert && reason != BootReason.Fault)
            {
                throw new System.ArgumentException("a firmware reboot is Planned, Update, Revert or Fault", "reason");
            }

            Save((int)reason);
        }

        /// <summary>Records a clean shutdown that is not followed by a reboot the firmware asked for (e.g. deep sleep).</summary>
        public void BeforeDeepSleep()
        {
            Save((int)BootReason.Planned);
        }

        private void Save(int marker)
        {
            if (!_booted)
            {
                throw new System.InvalidOperationException("call OnBoot first");
            }

            _writer.Reset();
            _writer.WriteInt32(BootCount);
            _writer.WriteByte(marker);
            if (_store.Save(_writer.Buffer, 0, _writer.Length) != StorageStatus.Ok)
            {
                PersistFailures++;
            }
        }
    }
}
