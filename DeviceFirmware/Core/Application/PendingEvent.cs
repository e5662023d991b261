using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// An update event the broker had not acknowledged when the device rebooted (state/event): kept on flash and published
    /// again after the boot, so that the service learns of every state (staged, reverted) even when the reboot came before
    /// the PUBACK. Each event carries the boot count and its sequence, so a copy the broker did deliver can be recognised.
    /// Written only when a reboot's grace period ends without the acknowledgement; cleared once the copy is acknowledged.
    /// </summary>
    public sealed class PendingEvent
    {
        private readonly RecordStore _record;
        private readonly byte[] _event = new byte[UpdateEventWriter.MaxBytes];
        private bool _loaded;

        /// <summary>A pending event over <paramref name="store"/>; call <see cref="Load"/> once at boot.</summary>
        public PendingEvent(IFileStore store)
        {
            _record = new RecordStore(store, "state/event", UpdateEventWriter.MaxBytes);
        }

        /// <summary>True when an event waits to be published again.</summary>
        public bool Waiting
        {
            get { return Length > 0; }
        }

        /// <summary>The waiting event's bytes (valid for <see cref="Length"/>).</summary>
        public byte[] Bytes
        {
            get { return _event; }
        }

        /// <summary>Length of the waiting event (0 when none).</summary>
        public int Length { get; private set; }

        /// <summary>Record saves that failed.</summary>
        public int PersistFailures { get; private set; }

        /// <summary>Reads the record; a missing or damaged one means nothing waits.</summary>
        public StorageStatus Load()
        {
            bool found;
            StorageStatus status = _record.Load(out found);
            _loaded = true;
            Length = 0;
            if (status == StorageStatus.Ok && found && _record.PayloadLength <= _event.Length)
            {
                System.Array.Copy(_record.Payload, _record.PayloadOffset, _event, 0, _record.PayloadLength);
                Length = _record.PayloadLength;
            }

            return status;
        }

        /// <summary>Keeps <c>data[offset, +count)</c> (one event, at most <see cref="UpdateEventWriter.MaxBytes"/>) for after the reboot.</summary>
        public StorageStatus Keep(byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            if (count > _event.Length || count < 1)
            {
                throw new System.ArgumentOutOfRangeException("count");
            }

            return Save(data, offset, count);
        }

        /// <summary>The waiting event was acknowledged: nothing waits any more.</summary>
        public StorageStatus Clear()
        {
            return Length == 0 ? StorageStatus.Ok : Save(_event, 0, 0);
        }

        private StorageStatus Save(byte[] data, int offset, int count)
        {
            if (!_loaded)
            {
                throw new System.InvalidOperationException("call Load first");
            }

            StorageStatus status = _record.Save(data, offset, count);
            if (status != StorageStatus.Ok)
            {
                PersistFailures++;
                return status;
            }

            if (data != _event)
            {
                System.Array.Copy(data, offset, _event, 0, count);
            }

            Length = count;
            return status;
        }
    }
}
