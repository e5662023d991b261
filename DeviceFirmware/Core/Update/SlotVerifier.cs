using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Verifies what a slot on flash holds, never trusting it: reads its three documents into <see cref="Documents"/>,
    /// checks the signature chain (<see cref="BundleVerifier.VerifyForBoot"/>), that the manifest is the one the journal
    /// recorded for the slot (SHA-256), that its security version is not below the floor, and, on request, streams each
    /// payload file through SHA-256 in chunks of the caller's buffer. Any read failure of the medium fails the check
    /// (fail closed). Allocates only the parsed documents.
    /// </summary>
    public sealed class SlotVerifier
    {
        private readonly IFileStore _store;
        private readonly byte[] _chunk;
        private readonly PayloadCheck _payload = new PayloadCheck();

        /// <summary>Creates a verifier over <paramref name="store"/> that trusts <paramref name="verifier"/>'s anchors and reads through <paramref name="chunk"/> (caller-owned, 64..4096 bytes).</summary>
        public SlotVerifier(IFileStore store, BundleVerifier verifier, BundleDocuments documents, byte[] chunk)
        {
            if (store == null)
            {
                throw new System.ArgumentNullException("store");
            }

            if (verifier == null)
            {
                throw new System.ArgumentNullException("verifier");
            }

            if (documents == null)
            {
                throw new System.ArgumentNullException("documents");
            }

            if (chunk == null)
            {
                throw new System.ArgumentNullException("chunk");
            }

            if (chunk.Length < 64 || chunk.Length > 4096)
            {
                throw new System.ArgumentOutOfRangeException("chunk");
            }

            _store = store;
            Verifier = verifier;
            Documents = documents;
            _chunk = chunk;
        }

        /// <summary>The chain verifier (its <see cref="BundleVerifier.Detail"/> explains the last failure).</summary>
        public BundleVerifier Verifier { get; private set; }

        /// <summary>The documents of the slot last read.</summary>
        public BundleDocuments Documents { get; private set; }

        /// <summary>The manifest of the last successful <see cref="VerifyChain"/>, or null.</summary>
        public Manifest Manifest { get; private set; }

        /// <summary>The payload checker (reusable by callers that hash bytes they hold in memory).</summary>
        public PayloadCheck Payload
        {
            get { return _payload; }
        }

        /// <summary>
        /// Reads and verifies the documents of <paramref name="slot"/>.
        /// </summary>
        /// <param name="slot">The slot.</param>
        /// <param name="expectedDigest">The journal's SHA-256 of the slot's manifest, or null to accept any (adoption of a factory image).</param>
        /// <param name="securityFloor">Lowest security version allowed.</param>
        /// <returns>
        /// <see cref="BundleStatus.Verified"/> (then <see cref="Manifest"/> is set), <see cref="BundleStatus.FileMissing"/> when a
        /// document is absent or unreadable, the chain's failure, <see cref="BundleStatus.SlotMismatch"/> or
        /// <see cref="BundleStatus.SecurityVersionRollback"/>.
        /// </returns>
        public BundleStatus VerifyChain(int slot, byte[] expectedDigest, long securityFloor)
        {
            BundleStatus status = BundleStatus.Unverified;
            Manifest = null;
            for (int document = 0; document < 3; document++)
            {
                BundleStatus read = ReadDocument(slot, document);
                if (read != BundleStatus.Verified)
                {
                    return read;
                }
            }

            BundleStatus chain = Documents.VerifyForBoot(Verifier);
            if (chain != BundleStatus.Verified)
            {
                return chain;
            }

            Documents.ComputeDigest();
            if (expectedDigest != null && !ByteRange.ConstantTimeEquals(expectedDigest, 0, Documents.ManifestDigest, 0, 32))
            {
                return BundleStatus.SlotMismatch;
            }

            if (Verifier.Manifest.SecurityVersion < securityFloor)
            {
                return BundleStatus.SecurityVersionRollback;
            }

            Manifest = Verifier.Manifest;
            status = BundleStatus.Verified;
            return status;
        }

        /// <summary>Streams every payload file of <paramref name="manifest"/> in <paramref name="slot"/> through SHA-256.</summary>
        /// <returns><see cref="BundleStatus.Verified"/> or the first file's failure (missing, size, hash).</returns>
        public BundleStatus VerifyPayload(int slot, Manifest manifest)
        {
            BundleStatus status = BundleStatus.Unverified;
            for (int i = 0; i < manifest.FileCount; i++)
            {
                long length;
                BundleStatus file = HashPrefix(slot, manifest.Files[i], out length);
                if (file == BundleStatus.Verified)
                {
                    file = _payload.Finish();
                }

                if (file != BundleStatus.Verified)
                {
                    return file;
                }
            }

            status = BundleStatus.Verified;
            return status;
        }

        /// <summary>
        /// Starts <see cref="Payload"/> on <paramref name="file"/> and feeds it the bytes already in the slot (for a resumed
        /// download). The caller appends the rest and calls <see cref="PayloadCheck.Finish"/>.
        /// </summary>
        /// <param name="slot">The slot.</param>
        /// <param name="file">The manifest's entry for the file.</param>
        /// <param name="length">Bytes on flash (0 when the file is absent).</param>
        /// <returns><see cref="BundleStatus.Verified"/> when the prefix was read (not yet a verdict), <see cref="BundleStatus.FileSizeMismatch"/> when the flash holds more than the file's size, <see cref="BundleStatus.FileMissing"/> on a read failure.</returns>
        public BundleStatus HashPrefix(int slot, BundleFile file, out long length)
        {
            _payload.Begin(file);
            string path = SlotLayout.Path(slot, file.Name);
            StorageStatus status = _store.Length(path, out length);
            if (status == StorageStatus.NotFound)
            {
                length = 0;
                return BundleStatus.Verified;
            }

            if (status != StorageStatus.Ok)
            {
                length = 0;
                return BundleStatus.FileMissing;
            }

            if (length > file.Size)
            {
                return BundleStatus.FileSizeMismatch;
            }

            long position = 0;
            while (position < length)
            {
                long left = length - position;
                int want = left < _chunk.Length ? (int)left : _chunk.Length;
                int read;
                status = _store.Read(path, position, _chunk, 0, want, out read);
                if (status != StorageStatus.Ok || read <= 0)
                {
                    return BundleStatus.FileMissing;
                }

                _payload.Append(_chunk, 0, read);
                position += read;
            }

            return BundleStatus.Verified;
        }

        private BundleStatus ReadDocument(int slot, int document)
        {
            string path = SlotLayout.Path(slot, BundleDocuments.FileName(document));
            byte[] buffer = Documents.Buffer(document);
            long length;
            StorageStatus status = _store.Length(path, out length);
            if (status != StorageStatus.Ok)
            {
                return BundleStatus.FileMissing;
            }

            if (length > buffer.Length)
            {
                return BundleDocuments.MalformedStatus(document);
            }

            int total = 0;
            while (total < length)
            {
                int read;
                status = _store.Read(path, total, buffer, total, (int)length - total, out read);
                if (status != StorageStatus.Ok || read <= 0)
                {
                    return BundleStatus.FileMissing;
                }

                total += read;
            }

            Documents.SetLength(document, total);
            return BundleStatus.Verified;
        }
    }
}
