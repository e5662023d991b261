using SecureDevice.Core.Storage;

namespace SecureDevice.Tests.Support
{
    /// <summary>Wraps a store and fails or shortens the reads of one path, as a worn flash sector or a driver error would.</summary>
    public sealed class FlakyReadFileStore : IFileStore
    {
        private readonly IFileStore _inner;

        /// <summary>Wraps <paramref name="inner"/>.</summary>
        public FlakyReadFileStore(IFileStore inner)
        {
            _inner = inner;
        }

        /// <summary>The path whose reads misbehave (null: none).</summary>
        public string Path;

        /// <summary>Length of <see cref="Path"/> fails with <see cref="StorageStatus.IoError"/>.</summary>
        public bool FailLength;

        /// <summary>Read of <see cref="Path"/> fails with <see cref="StorageStatus.IoError"/>.</summary>
        public bool FailRead;

        /// <summary>Read of <see cref="Path"/> reports Ok but returns one byte fewer than asked.</summary>
        public bool ShortRead;

        /// <inheritdoc />
        public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read)
        {
            if (path == Path && FailRead)
            {
                read = 0;
                return StorageStatus.IoError;
            }

            StorageStatus status = _inner.Read(path, position, buffer, offset, count, out read);
            if (path == Path && ShortRead && read > 0)
            {
                read--;
            }

            return status;
        }

        /// <inheritdoc />
        public StorageStatus Length(string path, out long length)
        {
            if (path == Path && FailLength)
            {
                length = 0;
                return StorageStatus.IoError;
            }

            return _inner.Length(path, out length);
        }

        /// <inheritdoc />
        public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
        {
            return _inner.WriteAll(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Append(string path, byte[] data, int offset, int count)
        {
            return _inner.Append(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Truncate(string path, long length)
        {
            return _inner.Truncate(path, length);
        }

        /// <inheritdoc />
        public StorageStatus Rename(string from, string to)
        {
            return _inner.Rename(from, to);
        }

        /// <inheritdoc />
        public StorageStatus Delete(string path)
        {
            return _inner.Delete(path);
        }

        /// <inheritdoc />
        public StorageStatus CreateDirectory(string path)
        {
            return _inner.CreateDirectory(path);
        }

        /// <inheritdoc />
        public StorageStatus ListFiles(string directory, System.Collections.ArrayList names)
        {
            return _inner.ListFiles(directory, names);
        }
    }
}
