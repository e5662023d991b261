using System;
using System.Collections;
using SecureDevice.Core;
using SecureDevice.Core.Storage;

namespace SecureDevice.Doubles
{
    /// <summary>
    /// An <see cref="IFileStore"/> in RAM, for simulations and tests (the firmware uses the flash adapter). Folders are
    /// implicit. Counts every mutating operation, so a test can state how many flash writes an operation costs.
    /// </summary>
    public sealed class MemoryFileStore : IFileStore
    {
        private readonly Hashtable _files = new Hashtable();

        /// <summary>Mutating operations performed so far (write, append, truncate, rename, delete of an existing file).</summary>
        public int MutationCount { get; private set; }

        /// <summary>Bytes written by writes and appends so far.</summary>
        public long BytesWritten { get; private set; }

        /// <summary>Number of files.</summary>
        public int FileCount
        {
            get { return _files.Count; }
        }

        /// <summary>True when <paramref name="path"/> exists.</summary>
        public bool Exists(string path)
        {
            return _files.Contains(path);
        }

        /// <summary>A copy of the file's bytes, or null.</summary>
        public byte[] Snapshot(string path)
        {
            byte[] data = (byte[])_files[path];
            if (data == null)
            {
                return null;
            }

            byte[] copy = new byte[data.Length];
            Array.Copy(data, copy, data.Length);
            return copy;
        }

        /// <summary>Replaces a file's bytes without counting a mutation (test set-up, tampering).</summary>
        public void Put(string path, byte[] data)
        {
            byte[] copy = new byte[data.Length];
            Array.Copy(data, copy, data.Length);
            _files[path] = copy;
        }

        /// <inheritdoc />
        public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read)
        {
            ByteRange.Check(buffer, offset, count);
            read = 0;
            byte[] data = (byte[])_files[path];
            if (data == null)
            {
                return StorageStatus.NotFound;
            }

            if (position < 0)
            {
                throw new ArgumentOutOfRangeException("position");
            }

            if (position >= data.Length)
            {
                return StorageStatus.Ok;
            }

            long available = data.Length - position;
            read = available < count ? (int)available : count;
            Array.Copy(data, (int)position, buffer, offset, read);
            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus Length(string path, out long length)
        {
            byte[] data = (byte[])_files[path];
            length = data == null ? 0 : data.Length;
            return data == null ? StorageStatus.NotFound : StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            byte[] copy = new byte[count];
            Array.Copy(data, offset, copy, 0, count);
            _files[path] = copy;
            Count(count);
            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus Append(string path, byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            byte[] existing = (byte[])_files[path];
            int length = existing == null ? 0 : existing.Length;
            byte[] grown = new byte[length + count];
            if (existing != null)
            {
                Array.Copy(existing, grown, length);
            }

            Array.Copy(data, offset, grown, length, count);
            _files[path] = grown;
            Count(count);
            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus Truncate(string path, long length)
        {
            byte[] data = (byte[])_files[path];
            if (data == null)
            {
                return StorageStatus.NotFound;
            }

            if (length < data.Length)
            {
                byte[] shorter = new byte[(int)length];
                Array.Copy(data, shorter, (int)length);
                _files[path] = shorter;
                Count(0);
            }

            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus Rename(string from, string to)
        {
            byte[] data = (byte[])_files[from];
            if (data == null)
            {
                return StorageStatus.NotFound;
            }

            if (_files.Contains(to))
            {
                return StorageStatus.AlreadyExists;
            }

            _files.Remove(from);
            _files[to] = data;
            Count(0);
            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus Delete(string path)
        {
            if (_files.Contains(path))
            {
                _files.Remove(path);
                Count(0);
            }

            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus CreateDirectory(string path)
        {
            return StorageStatus.Ok;
        }

        /// <inheritdoc />
        public StorageStatus ListFiles(string directory, ArrayList names)
        {
            string prefix = directory.Length == 0 ? string.Empty : directory + "/";
            foreach (DictionaryEntry entry in _files)
            {
                string path = (string)entry.Key;
                if (path.StartsWith(prefix) && path.IndexOf('/', prefix.Length) < 0)
                {
                    names.Add(path.Substring(prefix.Length));
                }
            }

            return StorageStatus.Ok;
        }

        private void Count(int bytes)
        {
            MutationCount++;
            BytesWritten += bytes;
        }
    }
}
