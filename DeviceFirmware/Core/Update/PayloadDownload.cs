using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The payload phase of an update: streams the candidate's files into its slot in chunks of the caller's buffer while
    /// hashing them (<see cref="PayloadCheck"/>), resumes after a drop or a reboot from the bytes already on flash (re-read
    /// and re-hashed, never trusted), and at the end reads the whole slot back (<see cref="ReadBack"/>).
    /// <para>
    /// It owns the download's position (file index, open file, whether the open file came whole from this attempt, the
    /// bytes before it, a pending resume) and the progress; it never writes the journal or the engine's state. Each call
    /// returns a <see cref="DownloadStep"/> (with <see cref="Detail"/> and, when rejected, <see cref="Rejection"/>) that
    /// <see cref="UpdateEngine"/> maps onto its transitions and the retry schedule.
    /// </para>
    /// </summary>
    public sealed class PayloadDownload
    {
        /// <summary>Chunks handled per <see cref="Step"/>, so MQTT keeps being serviced during a download.</summary>
        public const int ChunksPerStep = 16;

        private readonly IFileStore _store;
        private readonly SlotVerifier _slots;
        private readonly IBundleSource _source;
        private readonly UpdateStatistics _statistics;
        private readonly byte[] _chunk;
        private Manifest _manifest;
        private int _fileIndex;
        private bool _fileOpen;
        private bool _fileFromZero;
        private long _doneBeforeFile;

        /// <summary>Creates the phase; <paramref name="chunk"/> is the engine's caller-owned buffer.</summary>
        public PayloadDownload(IFileStore store, SlotVerifier slots, IBundleSource source, UpdateStatistics statistics, byte[] chunk)
        {
            _store = store;
            _slots = slots;
            _source = source;
            _statistics = statistics;
            _chunk = chunk;
            Progress = new DownloadProgress();
        }

        /// <summary>The manifest whose files are downloaded (set by <see cref="Begin"/>, a resume or <see cref="ReadBack"/>), or null.</summary>
        public Manifest Manifest
        {
            get { return _manifest; }
        }

        /// <summary>How far the download is (bytes done and total, half-way events); this phase is its only writer.</summary>
        public DownloadProgress Progress { get; private set; }

        /// <summary>True when the next <see cref="Step"/> re-reads the candidate's documents from flash before going on.</summary>
        public bool ResumePending { get; private set; }

        /// <summary>True when the last call gained a byte (the retry schedule's failures in a row end).</summary>
        public bool Progressed { get; private set; }

        /// <summary>One line explaining the last <see cref="DownloadStep.Failed"/>, <see cref="DownloadStep.Rejected"/> or <see cref="DownloadStep.StorageFailed"/>.</summary>
        public string Detail { get; private set; }

        /// <summary>Why the bundle was refused, after <see cref="DownloadStep.Rejected"/>.</summary>
        public BundleStatus Rejection { get; private set; }

        /// <summary>Starts the download of <paramref name="manifest"/>'s files from the first one, nothing done yet.</summary>
        public void Begin(Manifest manifest)
        {
            _manifest = manifest;
            ResumePending = false;
            _fileIndex = 0;
            _fileOpen = false;
            Progress.Begin(manifest.TotalFileBytes);
        }

        /// <summary>Continues the journal's download (after a boot, or after an offer that did not supersede it): the next step re-verifies the documents on flash first.</summary>
        public void Resume()
        {
            ResumePending = true;
        }

        /// <summary>Closes the file being downloaded, if any.</summary>
        public void Close()
        {
            _source.Close();
            _fileOpen = false;
        }

        /// <summary>
        /// Downloads up to <see cref="ChunksPerStep"/> chunks of the candidate in <paramref name="journal"/>'s
        /// candidate slot from <paramref name="url"/>.
        /// </summary>
        /// <returns><see cref="DownloadStep.Done"/> when every file is on flash and verified, <see cref="DownloadStep.More"/> when work is left, else the failure.</returns>
        public DownloadStep Step(UpdateJournal journal, string url)
        {
            Progressed = false;
            int slot = journal.CandidateSlot;
            if (ResumePending)
            {
                // After a reboot the candidate's documents are re-read from flash and must still be the journal's.
                if (!VerifyChain(journal))
                {
                    return DownloadStep.StorageFailed;
                }

                Begin(_slots.Manifest);
            }

            for (int chunk = 0; chunk < ChunksPerStep; chunk++)
            {
                if (_fileIndex == _manifest.FileCount)
                {
                    return DownloadStep.Done;
                }

                BundleFile file = _manifest.Files[_fileIndex];
                string path = SlotLayout.Path(slot, file.Name);
                if (!_fileOpen)
                {
                    DownloadStep opened = OpenFile(slot, file, path, url);
                    if (opened != DownloadStep.More)
                    {
                        return opened;
                    }

                    continue;
                }

                DownloadStep read = ReadChunk(file, path);
                if (read != DownloadStep.More)
                {
                    return read;
                }
            }

            return DownloadStep.More;
        }

        /// <summary>
        /// Reads the whole candidate back from flash: its documents must still be the journal's and every file must hash to
        /// its manifest entry. What was verified while streaming is not trusted to be what the flash gives back.
        /// </summary>
        /// <returns>
        /// <see cref="DownloadStep.Done"/> (then <see cref="Manifest"/> is the one read from flash);
        /// <see cref="DownloadStep.Failed"/> when a file does not match (the download starts over from the first file, the
        /// files that still verify are kept); <see cref="DownloadStep.StorageFailed"/> when the documents do not verify.
        /// </returns>
        public DownloadStep ReadBack(UpdateJournal journal)
        {
            Progressed = false;
            if (!VerifyChain(journal))
            {
                return DownloadStep.StorageFailed;
            }

            _manifest = _slots.Manifest;
            BundleStatus payload = _slots.VerifyPayload(journal.CandidateSlot, _manifest);
            _statistics.Rehashed(_manifest.TotalFileBytes);
            if (payload != BundleStatus.Verified)
            {
                _fileIndex = 0;
                Progress.Rewind(0);
                _doneBeforeFile = 0;
                return Fail("flash read-back: " + BundleStatusText.Name(payload));
            }

            return DownloadStep.Done;
        }

        private bool VerifyChain(UpdateJournal journal)
        {
            BundleStatus chain = _slots.VerifyChain(journal.CandidateSlot, journal.CandidateDigest, journal.SecurityFloor);
            if (chain != BundleStatus.Verified)
            {
                Detail = "candidate documents on flash: " + BundleStatusText.Name(chain);
                return false;
            }

            return true;
        }

        private DownloadStep ReadChunk(BundleFile file, string path)
        {
            int read;
            DownloadStatus got = _source.Read(_chunk, 0, _chunk.Length, out read);
            if (got != DownloadStatus.Ok)
            {
                Close();
                return Fail(file.Name + ": " + DownloadStatusText.Name(got));
            }

            if (read == 0)
            {
                Close();
                BundleStatus verdict = _slots.Payload.Finish();
                if (verdict == BundleStatus.Verified)
                {
                    NextFile(file);
                    return DownloadStep.More;
                }

                return RestartFile(path, verdict, file.Name + ": " + BundleStatusText.Name(verdict));
            }

            _statistics.Received(read);
            if (!_slots.Payload.Append(_chunk, 0, read))
            {
                Close();
                return RestartFile(path, BundleStatus.FileSizeMismatch, file.Name + " is longer than the manifest says");
            }

            StorageStatus appended = _store.Append(path, _chunk, 0, read);
            if (appended != StorageStatus.Ok)
            {
                Close();
                if (appended == StorageStatus.Full)
                {
                    Detail = "flash full writing " + file.Name;
                    return DownloadStep.StorageFailed;
                }

                return Fail("writing " + file.Name);
            }

            Progressed = true;
            Progress.Reach(Progress.BytesDone + read);
            return DownloadStep.More;
        }

        // Re-hashes the bytes already on flash and opens the rest from the server. More when the step may go on.
        private DownloadStep OpenFile(int slot, BundleFile file, string path, string url)
        {
            long length;
            BundleStatus prefix = _slots.HashPrefix(slot, file, out length);
            _statistics.Rehashed(length);
            if (prefix == BundleStatus.FileSizeMismatch)
            {
                return DeleteAndContinue(path);
            }

            if (prefix != BundleStatus.Verified)
            {
                return Fail("reading " + file.Name + " back");
            }

            _doneBeforeFile = Progress.BytesDone;
            if (length == file.Size)
            {
                if (_slots.Payload.Finish() == BundleStatus.Verified)
                {
                    NextFile(file);
                    return DownloadStep.More;
                }

                return DeleteAndContinue(path);
            }

            Progress.Reach(_doneBeforeFile + length);
            long remaining;
            DownloadStatus opened = _source.Open(url + file.Name, length, out remaining);
            if (opened == DownloadStatus.RangeIgnored || opened == DownloadStatus.RangeNotSatisfiable)
            {
                // The server cannot continue this file from our bytes; start it again from zero. A server that says our
                // bytes already reach its end has a different file than ours: that attempt failed.
                DownloadStep deleted = DeleteAndContinue(path);
                return deleted == DownloadStep.More && opened == DownloadStatus.RangeNotSatisfiable
                    ? Fail(file.Name + ": " + DownloadStatusText.Name(opened))
                    : deleted;
            }

            if (opened != DownloadStatus.Ok)
            {
                return Fail(file.Name + ": " + DownloadStatusText.Name(opened));
            }

            if (remaining >= 0 && remaining != file.Size - length)
            {
                _source.Close();
                if (length == 0)
                {
                    return Reject(BundleStatus.FileSizeMismatch, file.Name + " is " + remaining.ToString() + " bytes on the server, the manifest says " + file.Size.ToString());
                }

                return DeleteAndContinue(path);
            }

            if (length > 0)
            {
                _statistics.Resumed();
            }

            _fileOpen = true;
            _fileFromZero = length == 0;
            return DownloadStep.More;
        }

        // A downloaded file did not verify. Bytes kept from an earlier attempt may be the cause, so a file that did not come
        // whole from this attempt is deleted and downloaded again; one that did means the server's file is wrong.
        private DownloadStep RestartFile(string path, BundleStatus verdict, string detail)
        {
            if (_fileFromZero)
            {
                return Reject(verdict, detail);
            }

            return DeleteAndContinue(path);
        }

        private DownloadStep DeleteAndContinue(string path)
        {
            if (_store.Delete(path) != StorageStatus.Ok)
            {
                Detail = "deleting " + path;
                return DownloadStep.StorageFailed;
            }

            Progress.Rewind(_doneBeforeFile);
            return DownloadStep.More;
        }

        private void NextFile(BundleFile file)
        {
            Progress.Reach(_doneBeforeFile + file.Size);
            _doneBeforeFile = Progress.BytesDone;
            _fileIndex++;
        }

        private DownloadStep Fail(string detail)
        {
            Detail = detail;
            return DownloadStep.Failed;
        }

        private DownloadStep Reject(BundleStatus status, string detail)
        {
            Rejection = status;
            Detail = detail;
            return DownloadStep.Rejected;
        }
    }
}
