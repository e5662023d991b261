using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Readies the candidate slot for a new bundle: empties its folder and writes the three verified documents into it, so
    /// that a resume after a reboot can re-verify them from flash. Storage only: <see cref="CandidateWrites.Download"/> journals
    /// Downloading after it, and the engine decides what a failure means.
    /// </summary>
    public sealed class SlotPreparation
    {
        private readonly IFileStore _store;

        /// <summary>Creates the phase over <paramref name="store"/>.</summary>
        public SlotPreparation(IFileStore store)
        {
            _store = store;
        }

        /// <summary>One line naming the operation that failed, after a status other than Ok.</summary>
        public string Detail { get; private set; }

        /// <summary>Empties <paramref name="slot"/> and writes <paramref name="documents"/> into it.</summary>
        /// <returns><see cref="StorageStatus.Ok"/>, or the status of the first store call that failed (the slot is then partly written; the journal still says it holds nothing).</returns>
        public StorageStatus Prepare(int slot, BundleDocuments documents)
        {
            string folder = SlotLayout.Folder(slot);
            System.Collections.ArrayList names = new System.Collections.ArrayList();
            StorageStatus status = _store.CreateDirectory(folder);
            if (status == StorageStatus.Ok)
            {
                status = _store.ListFiles(folder, names);
            }

            if (status != StorageStatus.Ok)
            {
                return Failed(status, "listing " + folder);
            }

            for (int i = 0; i < names.Count; i++)
            {
                status = _store.Delete(folder + "/" + (string)names[i]);
                if (status != StorageStatus.Ok)
                {
                    return Failed(status, "clearing " + folder);
                }
            }

            for (int index = 0; index < 3; index++)
            {
                status = _store.WriteAll(SlotLayout.Path(slot, BundleDocuments.FileName(index)), documents.Buffer(index), 0, documents.LengthOf(index));
                if (status != StorageStatus.Ok)
                {
                    return Failed(status, "writing " + BundleDocuments.FileName(index));
                }
            }

            return StorageStatus.Ok;
        }

        private StorageStatus Failed(StorageStatus status, string detail)
        {
            Detail = detail;
            return status;
        }
    }
}
