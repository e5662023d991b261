using SecureDevice.Core.Text;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Signing-key ids the device has been told to refuse, learnt from accepted manifests and kept in persisted state.
    /// Bounded: at most <see cref="Capacity"/> ids; when full, the oldest id is dropped only if the caller says so (a key
    /// revoked that long ago has normally expired with its delegation).
    /// </summary>
    public sealed class RevocationList
    {
        /// <summary>Most ids held.</summary>
        public const int Capacity = 32;

        private readonly string[] _ids = new string[Capacity];
        private int _count;

        /// <summary>Number of revoked ids.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>Revoked id <paramref name="index"/> (0 is the oldest).</summary>
        public string this[int index]
        {
            get
            {
                if (index < 0 || index >= _count)
                {
                    throw new System.ArgumentOutOfRangeException("index");
                }

                return _ids[index];
            }
        }

        /// <summary>True when <paramref name="keyId"/> is revoked.</summary>
        public bool Contains(string keyId)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_ids[i] == keyId)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Adds <paramref name="keyId"/> (a <see cref="SafeName.IsIdentifier"/> of at most <see cref="Manifest.MaxNameLength"/>).
        /// When the list is full the oldest id is dropped to make room.
        /// </summary>
        /// <returns>True when the list changed.</returns>
        /// <exception cref="System.ArgumentException">The id is not a valid key id (a caller bug: ids come from parsed manifests).</exception>
        public bool Add(string keyId)
        {
            if (!SafeName.IsIdentifier(keyId, Manifest.MaxNameLength))
            {
                throw new System.ArgumentException("invalid key id", "keyId");
            }

            if (Contains(keyId))
            {
                return false;
            }

            if (_count == Capacity)
            {
                System.Array.Copy(_ids, 1, _ids, 0, Capacity - 1);
                _count--;
            }

            _ids[_count++] = keyId;
            return true;
        }

        /// <summary>Adds every id a manifest revokes.</summary>
        /// <returns>Number of ids newly added.</returns>
        public int AddFrom(Manifest manifest)
        {
            int added = 0;
            for (int i = 0; i < manifest.RevokeCount; i++)
            {
                if (Add(manifest.Revokes[i]))
                {
                    added++;
                }
            }

            return added;
        }

        /// <summary>Removes every id.</summary>
        public void Clear()
        {
            System.Array.Clear(_ids, 0, Capacity);
            _count = 0;
        }
    }
}
