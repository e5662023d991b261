using SecureDevice.Core.Crypto;

namespace SecureDevice.Core.Storage
{
    /// <summary>
    /// A small persisted record that power loss can never tear: it is written to "&lt;path&gt;.new" first, then the old copy
    /// is deleted and the new one renamed into place (LittleFS renames atomically but cannot replace). Each copy carries a
    /// sequence number and a checksum, so after a cut at any point <see cref="Load"/> finds the old or the new record,
    /// never neither and never a mixture.
    /// <para>Layout: ASCII "SDR1" | sequence (4, big-endian) | payload length (2) | payload | first 8 bytes of SHA-256 of all before.</para>
    /// One <see cref="Save"/> costs at most 5 file-system operations (3 in the common case: write, delete, rename).
    /// Buffers are allocated once, sized by <c>maxPayload</c>.
    /// </summary>
    public sealed class RecordStore
    {
        /// <summary>Bytes of framing around the payload.</summary>
        public const int Overhead = 4 + 4 + 2 + 8;

        private const string Magic = "SDR1";

        private readonly IFileStore _store;
        private readonly string _path;
        private readonly string _newPath;
        private readonly byte[] _frame;
        private readonly byte[] _candidate;
        private readonly byte[] _digest = new byte[32];
        private readonly Sha256 _sha256 = new Sha256();
        private int _sequence;
        private bool _currentIsNew;
        private int _payloadLength;

        /// <summary>Creates a record at <paramref name="path"/> holding at most <paramref name="maxPayload"/> bytes (1..4096).</summary>
        public RecordStore(IFileStore store, string path, int maxPayload)
        {
            if (store == null)
            {
                throw new System.ArgumentNullException("store");
            }

            if (path == null)
            {
                throw new System.ArgumentNullException("path");
            }

            if (maxPayload < 1 || maxPayload > 4096)
            {
                throw new System.ArgumentOutOfRangeException("maxPayload");
            }

            _store = store;
            _path = path;
            _newPath = path + ".new";
            _frame = new byte[Overhead + maxPayload];
            _candidate = new byte[Overhead + maxPayload];
        }

        /// <summary>Sequence number of the loaded or last saved record (0 when there is none).</summary>
        public int Sequence
        {
            get { return _sequence; }
        }

        /// <summary>The loaded or last saved payload: <c>Payload[PayloadOffset, +PayloadLength)</c>. Valid until the next call.</summary>
        public byte[] Payload
        {
            get { return _frame; }
        }

        /// <summary>Offset of the payload in <see cref="Payload"/>.</summary>
        public int PayloadOffset
        {
            get { return 10; }
        }

        /// <summary>Length of the loaded payload.</summary>
        public int PayloadLength
        {
            get { return _payloadLength; }
        }

        /// <summary>Loads the newest valid copy.</summary>
        /// <param name="found">False when no valid copy exists (first boot, or both copies damaged).</param>
        /// <returns><see cref="StorageStatus.Ok"/>, or a read failure of the medium.</returns>
        public StorageStatus Load(out bool found)
        {
            found = false;
            _sequence = 0;
            _payloadLength = 0;
            _currentIsNew = false;
            int mainLength;
            int mainSequence;
            StorageStatus status = ReadValid(_path, _frame, out mainLength, out mainSequence);
            if (status != StorageStatus.Ok)
            {
                return status;
            }

            int newLength;
            int newSequence;
            status = ReadValid(_newPath, _candidate, out newLength, out newSequence);
            if (status != StorageStatus.Ok)
            {
                return status;
            }

            if (newLength >= 0 && (mainLength < 0 || newSequence - mainSequence > 0))
            {
                System.Array.Copy(_candidate, 0, _frame, 0, Overhead + newLength);
                _payloadLength = newLength;
                _sequence = newSequence;
                _currentIsNew = true;
                found = true;
            }
            else if (mainLength >= 0)
            {
                _payloadLength = mainLength;
                _sequence = mainSequence;
                found = true;
            }

            return StorageStatus.Ok;
        }

        /// <summary>
        /// Saves <c>payload[offset, +count)</c> as the next record. Call <see cref="Load"/> once before the first save so the
        /// sequence continues. On any failure the previous record stays loadable.
        /// </summary>
        public StorageStatus Save(byte[] payload, int offset, int count)
        {
            ByteRange.Check(payload, offset, count);
            if (count > _frame.Length - Overhead)
            {
                throw new System.ArgumentOutOfRangeException("count");
            }

            StorageStatus status;
            if (_currentIsNew)
            {
                // The only valid copy is "<path>.new": promote it before that name is reused.
                status = _store.Delete(_path);
                if (status == StorageStatus.Ok)
                {
                    status = _store.Rename(_newPath, _path);
                }

                if (status != StorageStatus.Ok)
                {
                    return status;
                }

                _currentIsNew = false;
            }

            int next = _sequence + 1;
            int length = Frame(_candidate, payload, offset, count, next);
            status = _store.WriteAll(_newPath, _candidate, 0, length);
            if (status != StorageStatus.Ok)
            {
                return status;
            }

            _currentIsNew = true;
            _sequence = next;
            System.Array.Copy(_candidate, 0, _frame, 0, length);
            _payloadLength = count;
            status = _store.Delete(_path);
            if (status == StorageStatus.Ok)
            {
                status = _store.Rename(_newPath, _path);
            }

            if (status == StorageStatus.Ok)
            {
                _currentIsNew = false;
            }

            return status;
        }

        private int Frame(byte[] target, byte[] payload, int offset, int count, int sequence)
        {
            for (int i = 0; i < 4; i++)
            {
                target[i] = (byte)Magic[i];
                target[4 + i] = (byte)(sequence >> (24 - (8 * i)));
            }

            target[8] = (byte)(count >> 8);
            target[9] = (byte)count;
            System.Array.Copy(payload, offset, target, 10, count);
            _sha256.Hash(target, 0, 10 + count, _digest, 0);
            System.Array.Copy(_digest, 0, target, 10 + count, 8);
            return Overhead + count;
        }

        // payloadLength is -1 when the file is missing, too short, too long or fails its checks.
        private StorageStatus ReadValid(string path, byte[] target, out int payloadLength, out int sequence)
        {
            payloadLength = -1;
            sequence = 0;
            long fileLength;
            StorageStatus status = _store.Length(path, out fileLength);
            if (status == StorageStatus.NotFound)
            {
                return StorageStatus.Ok;
            }

            if (status != StorageStatus.Ok)
            {
                return status;
            }

            if (fileLength < Overhead || fileLength > target.Length)
            {
                return StorageStatus.Ok;
            }

            int length = (int)fileLength;
            int read;
            status = _store.Read(path, 0, target, 0, length, out read);
            if (status != StorageStatus.Ok)
            {
                return status;
            }

            if (read != length)
            {
                return StorageStatus.Ok;
            }

            for (int i = 0; i < 4; i++)
            {
                if (target[i] != (byte)Magic[i])
                {
                    return StorageStatus.Ok;
                }
            }

            int count = (target[8] << 8) | target[9];
            if (Overhead + count != length)
            {
                return StorageStatus.Ok;
            }

            _sha256.Hash(target, 0, 10 + count, _digest, 0);
            if (!ByteRange.ConstantTimeEquals(_digest, 0, target, 10 + count, 8))
            {
                return StorageStatus.Ok;
            }

            sequence = (target[4] << 24) | (target[5] << 16) | (target[6] << 8) | target[7];
            payloadLength = count;
            return StorageStatus.Ok;
        }
    }
}
