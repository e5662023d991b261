using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Loads and saves the <see cref="UpdateJournal"/> (state/update) with a torn-write-safe <see cref="RecordStore"/>:
    /// 3 file-system operations per save, 3 more when the floor rises. <see cref="Current"/> changes only after a save
    /// succeeded, so the in-memory journal never runs ahead of the flash (but for the floor, below). Shared by the
    /// <see cref="BootPlanner"/> and the <see cref="UpdateEngine"/>; the engine writes only through the <c>Save</c> methods
    /// of one named transition each (computed in a copy of <see cref="Current"/>, saved, applied on success).
    /// <para>It also owns the floor record (<see cref="FloorStore"/>, state/floor), the second copy of the anti-rollback
    /// floor, so that there is one effective floor, the higher of the two: <see cref="Load"/> reads both and
    /// <see cref="Current"/> carries the higher; after a journal save whose floor is above the record's, the record is
    /// raised (journal first, record second: a cut between them leaves the journal with the higher floor, and the next
    /// boot's <see cref="RepairFloor"/> raises the record).</para>
    /// </summary>
    public sealed class JournalStore
    {
        /// <summary>Path of the record.</summary>
        public const string Path = "state/update";

        private readonly RecordStore _record;
        private readonly RecordWriter _writer = new RecordWriter(new byte[UpdateJournal.MaxEncodedBytes]);
        private readonly RecordReader _reader = new RecordReader(new byte[0], 0, 0);
        private readonly UpdateJournal _next = new UpdateJournal();
        private readonly FloorStore _floor;
        private StorageStatus _readFailure = StorageStatus.Ok;

        /// <summary>A journal store over <paramref name="store"/>.</summary>
        public JournalStore(IFileStore store)
        {
            _record = new RecordStore(store, Path, UpdateJournal.MaxEncodedBytes);
            _floor = new FloorStore(store);
            Current = new UpdateJournal();
        }

        /// <summary>
        /// The journal as last loaded or saved (do not modify; build a copy and <see cref="Save"/> it). Its
        /// <see cref="UpdateJournal.SecurityFloor"/> is the effective floor, the higher of the journal record's and the floor
        /// record's: it may run ahead of the journal record by the floor record only (a journal lost, replaced or restored
        /// from an older copy), never the other way. After a load that found no journal it is the empty journal with that
        /// floor.
        /// </summary>
        public UpdateJournal Current { get; private set; }

        /// <summary>
        /// True when the last <see cref="Load"/> could not read the medium (the journal or the floor record). Until a load
        /// succeeds, every save writes nothing and returns that failure: a record that was not read is never overwritten,
        /// since it may hold what a reading fault hid (a candidate under test, a higher security floor), and a transient
        /// fault must not erase it.
        /// </summary>
        public bool Unreadable
        {
            get { return _readFailure != StorageStatus.Ok; }
        }

        /// <summary>
        /// True when the last <see cref="Load"/> could read neither the journal nor the floor record: the device knows no
        /// floor this boot, so the planner adopts no slot (fail closed) until a load reads one of them.
        /// </summary>
        public bool FloorUnknown { get; private set; }

        /// <summary>Journal saves since construction.</summary>
        public int Saves { get; private set; }

        /// <summary>
        /// Floor-record saves that failed since construction (one store per boot). Such a failure does not fail the journal
        /// save (the journal holds the floor); the record is raised again at the next save or boot (<see cref="RepairFloor"/>).
        /// The loader and the agent pass the count to the fault record, which reports the first of a boot as the fault
        /// <c>floor-save-failed</c> (<c>FaultLog.NoteFloorSaveFailures</c>), so the service hears that the flash refuses writes.
        /// </summary>
        public int FloorSaveFailures { get; private set; }

        /// <summary>
        /// True when the floor record's last save attempt (<see cref="RepairFloor"/>) failed and no later one succeeded: the
        /// record may hold a lower floor than the journal. A repair that finds nothing to raise counts as success (the record
        /// no longer lags). A repair refused while <see cref="Unreadable"/> changes nothing. Reported in every health report
        /// while true (<c>HealthFlags.FloorRecordLagging</c>), since the fault is published once per boot.
        /// </summary>
        public bool FloorRecordLagging { get; private set; }

        /// <summary>Loads the journal and the floor record.</summary>
        /// <param name="found">
        /// False when there is no valid journal (factory state, or a record of another format) or a read failed;
        /// <see cref="Current"/> is then the empty journal with the highest floor that could be read.
        /// </param>
        /// <returns>
        /// <see cref="StorageStatus.Ok"/> or the medium's read failure of either record. A floor record that cannot be read
        /// fails the load exactly as an unreadable journal does (fail closed: the journal is planned as missing, nothing is
        /// saved until a load succeeds), since it may hold a higher floor than the journal.
        /// </returns>
        public StorageStatus Load(out bool found)
        {
            found = false;
            bool recordFound;
            StorageStatus status = _record.Load(out recordFound);
            Current = new UpdateJournal();
            if (status == StorageStatus.Ok && recordFound)
            {
                _reader.Reset(_record.Payload, _record.PayloadOffset, _record.PayloadLength);
                found = Current.TryDecode(_reader);
            }

            bool floorFound;
            StorageStatus floorStatus = _floor.Load(out floorFound);
            if (status == StorageStatus.Ok && floorStatus != StorageStatus.Ok)
            {
                // The journal was read but the floor record was not: plan as for an unreadable journal, keeping the floor
                // the journal gave (the adoption must not go below it either).
                long journalFloor = Current.SecurityFloor;
                Current = new UpdateJournal();
                Current.FloorRecorded(journalFloor);
                found = false;
                status = floorStatus;
            }

            FloorUnknown = status != StorageStatus.Ok && floorStatus != StorageStatus.Ok;
            _readFailure = status;
            Current.FloorRecorded(_floor.Floor);
            return status;
        }

        /// <summary>
        /// Raises the floor record to <see cref="Current"/>'s floor when it lags (a cut between the journal's save and the
        /// record's, a failed record save, an erased or damaged record); writes nothing when it does not lag, so an ordinary
        /// boot writes nothing. Called after every journal save and by the planner at every boot.
        /// </summary>
        /// <returns><see cref="StorageStatus.Ok"/>, the record's save failure (counted in <see cref="FloorSaveFailures"/>, <see cref="FloorRecordLagging"/> until a repair succeeds), or while <see cref="Unreadable"/> the read failure with nothing written.</returns>
        public StorageStatus RepairFloor()
        {
            if (_readFailure != StorageStatus.Ok)
            {
                return _readFailure;
            }

            StorageStatus status = _floor.Raise(Current.SecurityFloor);
            FloorRecordLagging = status != StorageStatus.Ok;
            if (FloorRecordLagging)
            {
                FloorSaveFailures++;
            }

            return status;
        }

        /// <summary>
        /// Saves <paramref name="next"/> and, on success, copies it into <see cref="Current"/> (its floor raised to the floor
        /// record's if that is higher) and raises the floor record when <paramref name="next"/>'s floor is above it
        /// (<see cref="RepairFloor"/>: journal first, record second).
        /// </summary>
        /// <returns>
        /// <see cref="StorageStatus.Ok"/>, or the failure: <see cref="Current"/> keeps the previous journal; the flash holds
        /// the previous or the new one (a cut after the new copy was complete), both of which are consistent states. While
        /// <see cref="Unreadable"/>, the last read failure, with nothing written. A failed floor-record save does not fail
        /// the journal save: the journal holds the floor, and the record is repaired at the next save or boot.
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
                RepairFloor();
                Current.FloorRecorded(_floor.Floor);
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
