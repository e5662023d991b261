using SecureDevice.Core.Storage;

namespace SecureDevice.Tests.Support
{
    /// <summary>Wraps a store and fails every mutation of paths that start with <see cref="FailPrefix"/> with <see cref="FailWith"/>.</summary>
    public sealed class FaultyFileStore : IFileStore
    {
        private readonly IFileStore _inner;

        /// <summary>Wraps <paramref name="inner"/>.</summary>
        public FaultyFileStore(IFileStore inner)
        {
            _inner = inner;
        }

        /// <summary>Paths to fail (null fails nothing).</summary>
        public string FailPrefix;

        /// <summary>The status failures return.</summary>
        public StorageStatus FailWith = StorageStatus.IoError;

        /// <summary>Mutations failed so far.</summary>
        public int Failures;

        /// <summary>Reads of paths that start with this fail with <see cref="FailWith"/>, as unreadable flash would (null: none).</summary>
        public string FailReadsPrefix;

        /// <summary>How many reads of <see cref="FailReadsPrefix"/> still succeed before they start failing (flash that fails mid-boot).</summary>
        public int FailReadsAfter;

        /// <summary>How many reads fail once they started failing (the reads after them succeed again; default: all).</summary>
        public int FailReadsCount = int.MaxValue;

        /// <summary>Failing reads still fill the buffer and report the bytes, as a driver that reports an ECC error after the transfer.</summary>
        public bool FailedReadsFill;

        /// <summary>Most bytes one read returns (0: no limit), as a file system that reads across a block boundary in two steps.</summary>
        public int MaxRead;

        /// <summary>Length queries of paths that start with this fail with <see cref="FailWith"/> (null: none).</summary>
        public string FailLengthsPrefix;

        /// <summary>Reads of paths that start with this give back their first byte flipped, as failing flash would (null: none).</summary>
        public string FlipReadsPrefix;

        /// <summary>Reads <see cref="FlipReadsPrefix"/> altered so far.</summary>
        public int FlippedReads;

        /// <summary>Reads of paths that start with this throw OutOfMemoryException, as an allocation on a full heap would (null: none).</summary>
        public string OutOfMemoryPrefix;

        /// <summary>Every ListFiles fails with <see cref="FailWith"/>.</summary>
        public bool FailListing;

        /// <inheritdoc />
        public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read)
        {
            if (OutOfMemoryPrefix != null && path.StartsWith(OutOfMemoryPrefix))
            {
                throw new System.OutOfMemoryException();
            }

            // The caller's range is checked as asked, before the read is shortened.
            SecureDevice.Core.ByteRange.Check(buffer, offset, count);
            if (MaxRead > 0 && count > MaxRead)
            {
                count = MaxRead;
            }

            if (FailReadsPrefix != null && path.StartsWith(FailReadsPrefix) && FailReadsAfter-- <= 0 && FailReadsCount-- > 0)
            {
                read = 0;
                if (FailedReadsFill)
                {
                    _inner.Read(path, position, buffer, offset, count, out read);
                }

                return FailWith;
            }

            StorageStatus status = _inner.Read(path, position, buffer, offset, count, out read);
            if (FlipReadsPrefix != null && path.StartsWith(FlipReadsPrefix) && read > 0)
            {
                buffer[offset] ^= 0x01;
                FlippedReads++;
            }

            return status;
        }

        /// <inheritdoc />
        public StorageStatus Length(string path, out long length)
        {
            if (FailLengthsPrefix != null && path.StartsWith(FailLengthsPrefix))
            {
                length = 0;
                return FailWith;
            }

            return _inner.Length(path, out length);
        }

        /// <inheritdoc />
        public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
        {
            return Fails(path) ? FailWith : _inner.WriteAll(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Append(string path, byte[] data, int offset, int count)
        {
            return Fails(path) ? FailWith : _inner.Append(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Truncate(string path, long length)
        {
            return Fails(path) ? FailWith : _inner.Truncate(path, length);
        }

        /// <inheritdoc />
        public StorageStatus Rename(string from, string to)
        {
            return Fails(from) || Fails(to) ? FailWith : _inner.Rename(from, to);
        }

        /// <inheritdoc />
        public StorageStatus Delete(string path)
        {
            return Fails(path) ? FailWith : _inner.Delete(path);
        }

        /// <inheritdoc />
        public StorageStatus CreateDirectory(string path)
        {
            return _inner.CreateDirectory(path);
        }

        /// <inheritdoc />
        public StorageStatus ListFiles(string directory, System.Collections.ArrayList names)
        {
            if (FailListing)
            {
                return FailWith;
            }

            return _inner.ListFiles(directory, names);
        }

        private bool Fails(string path)
        {
            if (FailPrefix == null || !path.StartsWith(FailPrefix))
            {
                return false;
            }

            Failures++;
            return true;
        }
    }
}
