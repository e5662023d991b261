using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The loader's last step before <c>Assembly.Load</c>: reads a payload file of the planned slot into memory and hashes
    /// exactly those bytes against the signed manifest. The bytes that were checked are the bytes that get loaded, so no
    /// one can swap the file between the check and the use.
    /// </summary>
    public static class SlotImage
    {
        /// <summary>Reads <paramref name="file"/> of <paramref name="slot"/> from <paramref name="store"/> and verifies it with <paramref name="check"/>; <paramref name="bytes"/> is the verified content, or null.</summary>
        /// <returns><see cref="BundleStatus.Verified"/>, <see cref="BundleStatus.FileMissing"/> (absent or unreadable), <see cref="BundleStatus.FileSizeMismatch"/> or <see cref="BundleStatus.FileHashMismatch"/>.</returns>
        public static BundleStatus TryLoad(IFileStore store, int slot, BundleFile file, PayloadCheck check, out byte[] bytes)
        {
            bytes = null;
            string path = SlotLayout.Path(slot, file.Name);
            long length;
            if (store.Length(path, out length) != StorageStatus.Ok)
            {
                return BundleStatus.FileMissing;
            }

            if (length != file.Size)
            {
                return BundleStatus.FileSizeMismatch;
            }

            byte[] content = new byte[(int)length];
            int total = 0;
            while (total < content.Length)
            {
                int read;
                if (store.Read(path, total, content, total, content.Length - total, out read) != StorageStatus.Ok || read <= 0)
                {
                    return BundleStatus.FileMissing;
                }

                total += read;
            }

            check.Begin(file);
            check.Append(content, 0, content.Length);
            BundleStatus status = check.Finish();
            if (status == BundleStatus.Verified)
            {
                bytes = content;
            }

            return status;
        }
    }
}
