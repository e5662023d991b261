using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Loads and saves the <see cref="UpdateJournal"/> (state/update) with a torn-write-safe <see cref="RecordStore"/>:
    /// 3 file-system operations per save. <see cref="Current"/> changes only after a save succeeded, so the in-memory
    /// journal never runs ahead of the flash. Shared by the <see cref="BootPlanner"/> and the <see cref="UpdateEngine"/>;
    /// the engine writes only through the <c>Save</c> methods of one named transition each (computed in a copy of
    /// <see cref="Current"/>, saved, applied on success).
    /// </summary>
    public sealed class JournalStore
    {
        /// <summary>Path of the record.</summary>
        public const string Path = "state/update";

        private readonly RecordStore _record;
        private readonly RecordWriter _writer = new RecordWriter(new byte[UpdateJournal.MaxEncodedBytes]);
        private readonly RecordReader _reader = new RecordReader(new byte[0], 0, 0);
        private readonly UpdateJournal _next = new UpdateJournal();
        private StorageStatus _readFailure = StorageStatus.Ok;

        /// <summary>A journal store over <paramref name="store"/>.</summary>
        public JournalStore(IFileStore store)
        {
            _record = new RecordStore(store, Path, UpdateJournal.MaxEncodedBytes);
            Current = new UpdateJournal();
        }

        /// <summary>The journal as last loaded or saved (do not modify; build a copy and <see cref="Save"/> it).</summary>
        public UpdateJournal Current { get; private set; }

        /// <summary>
        /// True when the last <see cref="Load"/> could not read the medium. Until a load succeeds, every save writes nothing
        /// and returns that failure: a journal that was not read is never overwritten, since it may hold what a reading
        /// fault hid (a candidate under test, a higher security floor), and a transient fault must not erase it.
        /// </summary>
        public bool Unreadable
        {
            get { return _readFailure != StorageStatus.Ok; }
        }

        /// <summary>Journal saves since construction.</summary>
        public int Saves { get; private set; }

        /// <summary>Loads the journal.</summary>
        /// <param name="found">False when there is no valid journal (factory state, or a record of another format); <see cref="Current"/> is then the empty journal.</param>
        /// <returns><see cref="StorageStatus.Ok"/> or the medium's read failure.</returns>
        public StorageStatus Load(out bool found)
        {
            found = false;
            bool recordFound;
            StorageStatus status = _record.Load(out recordFound);
            _readFailure = status;
            Current = new UpdateJournal();
            if (status != StorageStatus.Ok || !recordFound)
            {
                return status;
            }

            _reader.Reset(_record.Payload, _record.PayloadOffset, _record.PayloadLength);
            found = Current.TryDecode(_reader);
            return StorageStatus.Ok;
        }

        /// <summary>Saves <paramref name="next"/> and, on success, copies it into <see cref="Current"/>.</summary>
        /// <returns>
        /// <see cref="StorageStatus.Ok"/>, or the failure: <see cref="Current"/> keeps the previous journal; the flash holds
        /// the previous or the new one (a cut after the new copy was complete), both of which are consistent states. While
        /// <see cref="Unreadable"/>, the last read failure, with nothing written.
        /// </returns>
        public StorageStatus Save(UpdateJournal next)
        {
            if (_readFailure != StorageStatus.Ok)
            {
                return _readFailure;
            }

            _writer.Reset();
            next.Encode(_writer);
            StorageStatus status = _record.Save(_writer.Buffer, 0, _writer.Length);
            if (status == StorageStatus.Ok)
            {
                Current.CopyFrom(next);
                Saves++;
            }

            return status;
        }

        /// <summary>Saves <see cref="UpdateJournal.ToDownloading"/> of the current journal (the slot holds the verified documents).</summary>
        public StorageStatus SaveDownloading(string url, byte[] manifestDigest)
        {
            Next().ToDownloading(url, manifestDigest);
            return Save(_next);
        }

        /// <summary>Saves <see cref="UpdateJournal.ToStaged"/> of the current journal (the candidate verified from flash).</summary>
        public StorageStatus SaveStaged()
        {
            Next().ToStaged();
            return Save(_next);
        }

        /// <summary>Saves <see cref="UpdateJournal.Confirmed"/> of the current journal (the candidate was healthy).</summary>
        public StorageStatus SaveConfirmed(long securityVersion)
        {
            Next().Confirmed(securityVersion);
            return Save(_next);
        }

        /// <summary>Saves <see cref="UpdateJournal.Reverted"/> of the current journal with <paramref name="outcome"/>.</summary>
        public StorageStatus SaveReverted(UpdateOutcome outcome)
        {
            Next().Reverted(outcome);
            return Save(_next);
        }

        /// <summary>Saves <see cref="UpdateJournal.Abandoned"/> of the current journal with <paramref name="outcome"/>.</summary>
        public StorageStatus SaveAbandoned(UpdateOutcome outcome)
        {
            Next().Abandoned(outcome);
            return Save(_next);
        }

        private UpdateJournal Next()
        {
            _next.CopyFrom(Current);
            return _next;
        }
    }
}
