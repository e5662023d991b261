using SecureDevice.Core.Storage;

namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// Wraps a store and fails one mutating operation, number <see cref="FailAt"/> (1-based), with
    /// <see cref="StorageStatus.IoError"/> without applying it, as a driver error or a full medium would. Every other operation
    /// passes through, so the caller can retry.
    /// </summary>
    public sealed class FailOnceFileStore : IFileStore
    {
        private readonly IFileStore _inner;
        private int _mutations;

        /// <summary>Wraps <paramref name="inner"/>; fails mutating operation <paramref name="failAt"/> (0 or less: none).</summary>
        public FailOnceFileStore(IFileStore inner, int failAt)
        {
            _inner = inner;
            FailAt = failAt;
        }

        /// <summary>The mutating operation that fails.</summary>
        public int FailAt;

        /// <inheritdoc />
        public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read)
        {
            return _inner.Read(path, position, buffer, offset, count, out read);
        }

        /// <inheritdoc />
        public StorageStatus Length(string path, out long length)
        {
            return _inner.Length(path, out length);
        }

        /// <inheritdoc />
        public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
        {
            return Fails() ? StorageStatus.IoError : _inner.WriteAll(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Append(string path, byte[] data, int offset, int count)
        {
            return Fails() ? StorageStatus.IoError : _inner.Append(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Truncate(string path, long length)
        {
            return Fails() ? StorageStatus.IoError : _inner.Truncate(path, length);
        }

        /// <inheritdoc />
        public StorageStatus Rename(string from, string to)
        {
            return Fails() ? StorageStatus.IoError : _inner.Rename(from, to);
        }

        /// <inheritdoc />
        public StorageStatus Delete(string path)
        {
            return Fails() ? StorageStatus.IoError : _inner.Delete(path);
        }

        /// <inheritdoc />
        public StorageStatus CreateDirectory(string path)
        {
            return Fails() ? StorageStatus.IoError : _inner.CreateDirectory(path);
        }

        /// <inheritdoc />
        public StorageStatus ListFiles(string directory, System.Collections.ArrayList names)
        {
            return _inner.ListFiles(directory, names);
        }

        private bool Fails()
        {
            _mutations++;
            return _mutations == FailAt;
        }
    }
}
