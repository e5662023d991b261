using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The second, independent copy of the anti-rollback floor (state/floor): the highest security floor the device ever
    /// confirmed or adopted, in a <see cref="RecordStore"/> record of its own (torn-write safe, 3 file-system operations per
    /// save). It is only ever raised, so losing or damaging the journal (state/update) never lowers the floor, and losing or
    /// damaging this record never lowers it either (the journal holds it). <see cref="JournalStore"/> owns it and keeps the
    /// effective floor at the higher of the two (docs/update-engine.md, "The floor record").
    /// <para>Payload: format (1 byte, <see cref="FormatVersion"/>) | floor (8 bytes, big-endian, 0..<see cref="MaxFloor"/>).
    /// A record of another format or with a floor out of range reads as missing.</para>
    /// </summary>
    public sealed class FloorStore
    {
        /// <summary>Path of the record.</summary>
        public const string Path = "state/floor";

        /// <summary>Record format written by this firmware.</summary>
        public const int FormatVersion = 1;

        /// <summary>Highest floor a record holds: the highest security version a manifest may carry (2^31 - 1).</summary>
        public const long MaxFloor = 2147483647;

        private const int PayloadBytes = 1 + 8;

        private readonly RecordStore _record;
        private readonly RecordWriter _writer = new RecordWriter(new byte[PayloadBytes]);
        private readonly RecordReader _reader = new RecordReader(new byte[0], 0, 0);
        private StorageStatus _readFailure = StorageStatus.Ok;
        private bool _loaded;

        /// <summary>A floor record over <paramref name="store"/>.</summary>
        public FloorStore(IFileStore store)
        {
            _record = new RecordStore(store, Path, PayloadBytes);
        }

        /// <summary>The floor as last loaded or saved; 0 when there is no valid record or it could not be read.</summary>
        public long Floor { get; private set; }

        /// <summary>
        /// True when the last <see cref="Load"/> could not read the medium. Until a load succeeds, <see cref="Raise"/> writes
        /// nothing and returns that failure: a record that was not read may hold a higher floor than the one being saved.
        /// </summary>
        public bool Unreadable
        {
            get { return _readFailure != StorageStatus.Ok; }
        }

        /// <summary>Loads the record.</summary>
        /// <param name="found">False when there is no valid record (never saved, damaged, another format); <see cref="Floor"/> is then 0.</param>
        /// <returns><see cref="StorageStatus.Ok"/> or the medium's read failure (<see cref="Floor"/> 0, <see cref="Unreadable"/>).</returns>
        public StorageStatus Load(out bool found)
        {
            found = false;
            Floor = 0;
            bool recordFound;
            StorageStatus status = _record.Load(out recordFound);
            _readFailure = status;
            _loaded = status == StorageStatus.Ok;
            if (status != StorageStatus.Ok || !recordFound)
            {
                return status;
            }

            _reader.Reset(_record.Payload, _record.PayloadOffset, _record.PayloadLength);
            int format;
            long floor;
            if (!_reader.TryReadByte(out format) || format != FormatVersion || !_reader.TryReadInt64(out floor)
                || _reader.Remaining != 0 || floor < 0 || floor > MaxFloor)
            {
                return StorageStatus.Ok;
            }

            Floor = floor;
            found = true;
            return StorageStatus.Ok;
        }

        /// <summary>
        /// Raises the record to <paramref name="floor"/> when it is above <see cref="Floor"/>; a lower or equal floor writes
        /// nothing (the record is only ever raised, and an unchanged floor costs no flash wear). A store never loaded loads
        /// first, so the comparison is with what the flash holds.
        /// </summary>
        /// <returns>
        /// <see cref="StorageStatus.Ok"/> (also when nothing was written); the save failure (<see cref="Floor"/> unchanged, the
        /// flash holds the old or the new record); while <see cref="Unreadable"/>, the last read failure, with nothing written.
        /// </returns>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="floor"/> is outside 0..<see cref="MaxFloor"/> (a caller bug).</exception>
        public StorageStatus Raise(long floor)
        {
            if (floor < 0 || floor > MaxFloor)
            {
                throw new System.ArgumentOutOfRangeException("floor");
            }

            if (!_loaded && _readFailure == StorageStatus.Ok)
            {
                bool found;
                Load(out found);
            }

            if (_readFailure != StorageStatus.Ok)
            {
                return _readFailure;
            }

            if (floor <= Floor)
            {
                return StorageStatus.Ok;
            }

            _writer.Reset();
            _writer.WriteByte(FormatVersion);
            _writer.WriteInt64(floor);
            StorageStatus status = _record.Save(_writer.Buffer, 0, _writer.Length);
            if (status == StorageStatus.Ok)
            {
                Floor = floor;
            }

            return status;
        }
    }
}
