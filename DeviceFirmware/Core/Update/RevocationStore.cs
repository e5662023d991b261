using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Persists the signing-key ids the device refuses (state/revoked), learnt from staged manifests' <c>revokes</c>. Saved
    /// only when a staged bundle adds an id, before the journal marks it Staged, so a revocation is never lost once its
    /// bundle is on flash. A damaged record loads as empty: revocation is a second line of defence after the delegation's
    /// expiry, and the device must stay updatable.
    /// </summary>
    public sealed class RevocationStore
    {
        /// <summary>Path of the record.</summary>
        public const string Path = "state/revoked";

        private const int MaxPayload = 1 + (RevocationList.Capacity * (1 + Manifest.MaxNameLength));

        private readonly RecordStore _record;
        private readonly RecordWriter _writer = new RecordWriter(new byte[MaxPayload]);
        private bool _unsaved;

        /// <summary>A store over <paramref name="store"/>.</summary>
        public RevocationStore(IFileStore store)
        {
            _record = new RecordStore(store, Path, MaxPayload);
            List = new RevocationList();
        }

        /// <summary>The revoked ids (do not modify; use <see cref="AddFrom"/>).</summary>
        public RevocationList List { get; private set; }

        /// <summary>Loads the list (empty when absent or damaged).</summary>
        public StorageStatus Load()
        {
            List.Clear();
            bool found;
            StorageStatus status = _record.Load(out found);
            if (status != StorageStatus.Ok || !found)
            {
                return status;
            }

            RecordReader reader = new RecordReader(_record.Payload, _record.PayloadOffset, _record.PayloadLength);
            int count;
            if (!reader.TryReadByte(out count) || count > RevocationList.Capacity)
            {
                return StorageStatus.Ok;
            }

            RevocationList loaded = new RevocationList();
            for (int i = 0; i < count; i++)
            {
                string id;
                if (!reader.TryReadAscii(out id) || !SafeName.IsIdentifier(id, Manifest.MaxNameLength))
                {
                    return StorageStatus.Ok;
                }

                loaded.Add(id);
            }

            for (int i = 0; i < loaded.Count; i++)
            {
                List.Add(loaded[i]);
            }

            return StorageStatus.Ok;
        }

        /// <summary>Adds the ids <paramref name="manifest"/> revokes and saves when the list changed.</summary>
        /// <returns><see cref="StorageStatus.Ok"/> (also when nothing changed) or the save failure (the in-memory list keeps the ids and the next call saves again).</returns>
        public StorageStatus AddFrom(Manifest manifest)
        {
            if (List.AddFrom(manifest) > 0)
            {
                _unsaved = true;
            }

            if (!_unsaved)
            {
                return StorageStatus.Ok;
            }

            _writer.Reset();
            _writer.WriteByte(List.Count);
            for (int i = 0; i < List.Count; i++)
            {
                _writer.WriteAscii(List[i]);
            }

            StorageStatus status = _record.Save(_writer.Buffer, 0, _writer.Length);
            _unsaved = status != StorageStatus.Ok;
            return status;
        }
    }
}
