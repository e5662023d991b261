using SecureDevice.Core.Crypto;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Streams one payload file through SHA-256 and compares size and digest with its manifest entry. Used when a file is
    /// downloaded, when a download resumes (the bytes already on flash are re-hashed, never trusted), before the loader
    /// loads it, and by the host tool. Fails early as soon as more bytes arrive than the manifest allows.
    /// Allocates nothing after construction.
    /// </summary>
    public sealed class PayloadCheck
    {
        private readonly Sha256 _sha256 = new Sha256();
        private readonly byte[] _digest = new byte[Sha256.HashSizeBytes];
        private BundleFile _file;
        private long _bytes;
        private bool _tooLong;

        /// <summary>Bytes appended since <see cref="Begin"/>.</summary>
        public long Bytes
        {
            get { return _bytes; }
        }

        /// <summary>The file being checked.</summary>
        public BundleFile File
        {
            get { return _file; }
        }

        /// <summary>Starts checking <paramref name="file"/>.</summary>
        public void Begin(BundleFile file)
        {
            if (file == null)
            {
                throw new System.ArgumentNullException("file");
            }

            _file = file;
            _bytes = 0;
            _tooLong = false;
            _sha256.Reset();
        }

        /// <summary>Appends file bytes.</summary>
        /// <returns>False once the file is longer than the manifest says (the check then fails with <see cref="BundleStatus.FileSizeMismatch"/>).</returns>
        public bool Append(byte[] data, int offset, int count)
        {
            if (_file == null)
            {
                throw new System.InvalidOperationException("Begin first");
            }

            ByteRange.Check(data, offset, count);
            if (_tooLong || count > _file.Size - _bytes)
            {
                _tooLong = true;
                return false;
            }

            _sha256.Append(data, offset, count);
            _bytes += count;
            return true;
        }

        /// <summary>Ends the check.</summary>
        /// <returns><see cref="BundleStatus.Verified"/>, <see cref="BundleStatus.FileSizeMismatch"/> or <see cref="BundleStatus.FileHashMismatch"/>.</returns>
        public BundleStatus Finish()
        {
            BundleStatus status = BundleStatus.Unverified;
            if (_file == null)
            {
                throw new System.InvalidOperationException("Begin first");
            }

            _sha256.Finish(_digest, 0);
            if (_tooLong || _bytes != _file.Size)
            {
                status = BundleStatus.FileSizeMismatch;
            }
            else if (!ByteRange.ConstantTimeEquals(_digest, 0, _file.Sha256, 0, Sha256.HashSizeBytes))
            {
                status = BundleStatus.FileHashMismatch;
            }
            else
            {
                status = BundleStatus.Verified;
            }

            _file = null;
            return status;
        }
    }
}
