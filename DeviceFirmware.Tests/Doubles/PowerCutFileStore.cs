using SecureDevice.Core.Storage;

namespace SecureDevice.Doubles
{
    /// <summary>
    /// Wraps a store and cuts power at the n-th mutating operation (as MCUboot's simulator does): that operation is applied
    /// only partly (a write, append or truncate leaves a prefix of its effect, chosen by the caller; a rename or delete either
    /// happens or not), and every later operation, reads included, returns <see cref="StorageStatus.PowerLost"/>.
    /// After the cut, a test "reboots" by building new components over the inner store. For simulations and tests only.
    /// </summary>
    public sealed class PowerCutFileStore : IFileStore
    {
        private readonly IFileStore _inner;
        private readonly int _cutAt;
        private readonly int _partialPercent;
        private int _mutations;

        /// <summary>
        /// Cuts power at mutating operation number <paramref name="cutAt"/> (1-based; 0 or less never cuts). The interrupted
        /// operation keeps <paramref name="partialPercent"/> (0..100) of its bytes; a rename or delete completes when it is
        /// 50 or more.
        /// </summary>
        public PowerCutFileStore(IFileStore inner, int cutAt, int partialPercent)
        {
            _inner = inner;
            _cutAt = cutAt;
            _partialPercent = partialPercent < 0 ? 0 : partialPercent > 100 ? 100 : partialPercent;
        }

        /// <summary>True once power has been cut.</summary>
        public bool PowerLost { get; private set; }

        /// <summary>Mutating operations attempted so far (including the interrupted one).</summary>
        public int Mutations
        {
            get { return _mutations; }
        }

        /// <inheritdoc />
        public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read)
        {
            read = 0;
            return PowerLost ? StorageStatus.PowerLost : _inner.Read(path, position, buffer, offset, count, out read);
        }

        /// <inheritdoc />
        public StorageStatus Length(string path, out long length)
        {
            length = 0;
            return PowerLost ? StorageStatus.PowerLost : _inner.Length(path, out length);
        }

        /// <inheritdoc />
        public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
        {
            if (!Mutate())
            {
                return StorageStatus.PowerLost;
            }

            if (PowerLost)
            {
                _inner.WriteAll(path, data, offset, Part(count));
                return StorageStatus.PowerLost;
            }

            return _inner.WriteAll(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Append(string path, byte[] data, int offset, int count)
        {
            if (!Mutate())
            {
                return StorageStatus.PowerLost;
            }

            if (PowerLost)
            {
                _inner.Append(path, data, offset, Part(count));
                return StorageStatus.PowerLost;
            }

            return _inner.Append(path, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Truncate(string path, long length)
        {
            if (!Mutate())
            {
                return StorageStatus.PowerLost;
            }

            if (PowerLost)
            {
                if (_partialPercent >= 50)
                {
                    _inner.Truncate(path, length);
                }

                return StorageStatus.PowerLost;
            }

            return _inner.Truncate(path, length);
        }

        /// <inheritdoc />
        public StorageStatus Rename(string from, string to)
        {
            if (!Mutate())
            {
                return StorageStatus.PowerLost;
            }

            if (PowerLost)
            {
                if (_partialPercent >= 50)
                {
                    _inner.Rename(from, to);
                }

                return StorageStatus.PowerLost;
            }

            return _inner.Rename(from, to);
        }

        /// <inheritdoc />
        public StorageStatus Delete(string path)
        {
            if (!Mutate())
            {
                return StorageStatus.PowerLost;
            }

            if (PowerLost)
            {
                if (_partialPercent >= 50)
                {
                    _inner.Delete(path);
                }

                return StorageStatus.PowerLost;
            }

            return _inner.Delete(path);
        }

        /// <inheritdoc />
        public StorageStatus CreateDirectory(string path)
        {
            return PowerLost ? StorageStatus.PowerLost : _inner.CreateDirectory(path);
        }

        /// <inheritdoc />
        public StorageStatus ListFiles(string directory, System.Collections.ArrayList names)
        {
            return PowerLost ? StorageStatus.PowerLost : _inner.ListFiles(directory, names);
        }

        // False when power is already off; sets PowerLost when this is the operation being cut.
        private bool Mutate()
        {
            if (PowerLost)
            {
                return false;
            }

            _mutations++;
            if (_cutAt > 0 && _mutations == _cutAt)
            {
                PowerLost = true;
            }

            return true;
        }

        private int Part(int count)
        {
            return (int)(((long)count * _partialPercent) / 100);
        }
    }
}
