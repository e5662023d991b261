using SecureDevice.Core.Bundle;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The update machine at run time (docs/update-engine.md): takes an offer, fetches and verifies the signed documents,
    /// downloads the payload into the inactive slot in chunks of at most <see cref="ChunkBytes"/> while hashing it,
    /// resumes after drops and reboots from the bytes on flash (re-hashed, never trusted), re-verifies everything from
    /// flash, stages, and after the reboot into the candidate confirms it (raising the security floor) or reverts it.
    /// <para>
    /// Driven like the rest of the core: the platform calls <see cref="Step"/> with the monotonic time, the wall-clock
    /// time, the network state, a random value and whether the running slot is healthy; the engine does a bounded amount
    /// of work (one offer's documents, or up to <see cref="ChunksPerStep"/> chunks) and returns how long it may sleep.
    /// Failures of the download are retried with jittered exponential backoff and abandoned after
    /// <see cref="MaxFailures"/> attempts without progress, so a broken server is never hammered.
    /// </para>
    /// Memory: one 4 KB chunk buffer and the documents' 5.3 KB, allocated by the caller once; nothing grows with the
    /// bundle. Flash: writes are the payload's chunks plus a fixed number of record saves (see <see cref="Journal"/>).
    /// </summary>
    public sealed class UpdateEngine
    {
        /// <summary>Largest read from the network or flash, bytes.</summary>
        public const int ChunkBytes = 4096;

        /// <summary>Chunks handled per <see cref="Step"/>, so MQTT keeps being serviced during a download.</summary>
        public const int ChunksPerStep = 16;

        /// <summary>Consecutive failed attempts (no byte gained) before the update is abandoned.</summary>
        public const int MaxFailures = 8;

        /// <summary>Backoff base for download retries, ms.</summary>
        public const long RetryBaseMs = 5000;

        /// <summary>Backoff cap for download retries, ms.</summary>
        public const long RetryCapMs = 600000;

        /// <summary>Shortest wait before a retry, ms.</summary>
        public const long RetryFloorMs = 1000;

        /// <summary>Default time a candidate has, per boot, to meet the health criteria, ms.</summary>
        public const long DefaultTestTimeoutMs = 600000;

        /// <summary>Default shortest spacing between two offers the engine processes, ms (a flood of offers costs no flash and little CPU).</summary>
        public const long DefaultOfferSpacingMs = 10000;

        /// <summary>How long an offer waits for trusted time before it is refused with <see cref="BundleStatus.TimeUnknown"/>, ms.</summary>
        public const long TimeWaitMs = 120000;

        private readonly IFileStore _store;
        private readonly JournalStore _journal;
        private readonly SlotVerifier _slots;
        private readonly IBundleSource _source;
        private readonly RevocationStore _revocations;
        private readonly InstallContext _device;
        private readonly byte[] _chunk;
        private readonly OfferIntake _offers = new OfferIntake();
        private readonly RetrySchedule _retry = new RetrySchedule();
        private readonly UpdateStatistics _statistics = new UpdateStatistics();
        private readonly UpdateJournal _next = new UpdateJournal();
        private Manifest _manifest;
        private int _documentIndex;
        private int _documentBytes;
        private int _fileIndex;
        private bool _fileOpen;
        private bool _fileFromZero;
        private long _doneBeforeFile;
        private bool _resumePending;
        private long _testStartMs;
        private int _progressHalf;

        /// <summary>
        /// Creates the engine. <paramref name="device"/> gives product, hardware model and loader version (the running
        /// versions and floor come from the journal and the boot plan); <paramref name="chunk"/> is the caller-owned buffer
        /// shared with <paramref name="slots"/> (at least 64 and at most <see cref="ChunkBytes"/> bytes).
        /// </summary>
        public UpdateEngine(IFileStore store, JournalStore journal, SlotVerifier slots, RevocationStore revocations, IBundleSource source, InstallContext device, byte[] chunk)
        {
            if (store == null || journal == null || slots == null || revocations == null || source == null || device == null || chunk == null)
            {
                throw new System.ArgumentNullException("store");
            }

            if (chunk.Length < 64 || chunk.Length > ChunkBytes)
            {
                throw new System.ArgumentOutOfRangeException("chunk");
            }

            _store = store;
            _journal = journal;
            _slots = slots;
            _revocations = revocations;
            _source = source;
            _device = device;
            _chunk = chunk;
            TestTimeoutMs = DefaultTestTimeoutMs;
            _offers.SpacingMs = DefaultOfferSpacingMs;
        }

        /// <summary>
        /// Where the update is. Offered, Verifying and WaitingForReboot are transient; the others mirror the journal. It
        /// changes only through <see cref="Enter"/>, along <see cref="UpdateTransitions"/>, and afresh at each <see cref="Start"/>.
        /// </summary>
        public UpdateState State { get; private set; }

        /// <summary>The last outcome (<see cref="UpdateOutcome"/>): persisted ones come from the journal, offer rejections live in memory only.</summary>
        public UpdateOutcome LastOutcome { get; private set; }

        /// <summary>One line explaining <see cref="LastOutcome"/> when it is a failure, else null.</summary>
        public string LastDetail { get; private set; }

        /// <summary>The journal store.</summary>
        public JournalStore Journal
        {
            get { return _journal; }
        }

        /// <summary>The candidate's verified manifest while Downloading, Verifying, Staged or Testing, else null.</summary>
        public Manifest Candidate
        {
            get { return _manifest; }
        }

        /// <summary>Payload bytes of the candidate verified so far (on flash or streamed), for progress reports.</summary>
        public long BytesDone { get; private set; }

        /// <summary>Total payload bytes of the candidate.</summary>
        public long BytesTotal { get; private set; }

        /// <summary>Increments whenever something worth an event happens (state, outcome, half of the download done).</summary>
        public int EventSequence { get; private set; }

        /// <summary>True when the platform should reboot (after publishing the pending event): to test a staged slot or after a revert.</summary>
        public bool RebootRequested { get; private set; }

        /// <summary>Why the reboot is requested (<see cref="BootReason.Update"/> or <see cref="BootReason.Revert"/>).</summary>
        public BootReason RebootReason { get; private set; }

        /// <summary>How long a candidate has, each boot, to become healthy, ms (default 10 minutes).</summary>
        public long TestTimeoutMs { get; set; }

        /// <summary>Shortest spacing between processed offers, ms.</summary>
        public long OfferSpacingMs
        {
            get { return _offers.SpacingMs; }
            set { _offers.SpacingMs = value; }
        }

        /// <summary>What the engine did since boot (offers, failures, bytes received and re-hashed, resumes).</summary>
        public UpdateStatistics Statistics
        {
            get { return _statistics; }
        }

        /// <summary>Restores the engine's state from the journal and the boot plan. Call once per boot, after <see cref="BootPlanner.Plan"/>.</summary>
        public void Start(long nowMs, BootPlan plan)
        {
            _revocations.Load();
            UpdateJournal journal = _journal.Current;
            LastOutcome = journal.LastOutcome;
            _device.CurrentVersion = plan.ActiveVersion;
            _device.CurrentSecurityVersion = plan.ActiveSecurityVersion;
            _manifest = null;
            _offers.Reset();
            RebootRequested = false;
            if (journal.State == UpdateState.Testing && plan.Testing)
            {
                State = UpdateState.Testing;
                _manifest = plan.Manifest;
                _testStartMs = nowMs;
            }
            else if (journal.State == UpdateState.Downloading)
            {
                State = UpdateState.Downloading;
                _offers.Url = journal.Url;
                _resumePending = true;
                _retry.Restart(nowMs);
            }
            else if (journal.State == UpdateState.Idle)
            {
                State = UpdateState.Idle;
            }
            else
            {
                // Staged or Testing, but the loader booted the active slot because the journal could not be saved. The
                // candidate is not running, so it can be neither confirmed nor reverted now: wait, busy, for the next boot.
                State = UpdateState.WaitingForReboot;
            }

            EventSequence++;
        }

        /// <summary>
        /// Takes an offer payload (devices/{id}/down/update). A valid offer is processed by the next <see cref="Step"/>s.
        /// </summary>
        /// <returns>
        /// <see cref="UpdateOutcome.None"/> when accepted for processing (or a repeat of the offer being processed);
        /// <see cref="UpdateOutcome.MalformedOffer"/>, or <see cref="UpdateOutcome.Busy"/> while a candidate is verifying,
        /// staged or under test, or when the offer comes sooner than <see cref="OfferSpacingMs"/> after the last.
        /// Refusals cost no flash write.
        /// </returns>
        public UpdateOutcome Offer(byte[] payload, int offset, int count, long nowMs)
        {
            _statistics.OffersReceived++;
            UpdateOffer offer;
            if (_offers.TryRead(payload, offset, count, out offer) != DocumentStatus.Valid)
            {
                return Refuse(UpdateOutcome.MalformedOffer, _offers.Detail);
            }

            bool working = State == UpdateState.Offered || State == UpdateState.Downloading;
            if (working && offer.Url == _offers.Url)
            {
                return UpdateOutcome.None;
            }

            if (State != UpdateState.Idle && State != UpdateState.Downloading)
            {
                return Refuse(UpdateOutcome.Busy, "an update is " + StateName(State));
            }

            if (_offers.TooSoon(nowMs))
            {
                return Refuse(UpdateOutcome.Busy, "offers arrive faster than one per " + (OfferSpacingMs / 1000).ToString() + " s");
            }

            _offers.Accept(offer, nowMs);
            _fileOpen = false;
            _source.Close();
            _documentIndex = 0;
            _documentBytes = 0;
            _retry.Restart(nowMs);
            Enter(UpdateState.Offered);
            EventSequence++;
            return UpdateOutcome.None;
        }

        /// <summary>Does a bounded amount of work.</summary>
        /// <param name="nowMs">Monotonic milliseconds.</param>
        /// <param name="utcSeconds">Wall-clock Unix seconds, or -1 while not synchronised.</param>
        /// <param name="networkUp">Whether the network link is up.</param>
        /// <param name="random">A fresh random value (retry jitter).</param>
        /// <param name="healthy">True once the running slot meets the health criteria (connected and a health report acknowledged this boot).</param>
        /// <returns>Milliseconds the platform may sleep before the next call (0 when there is more work now).</returns>
        public long Step(long nowMs, long utcSeconds, bool networkUp, uint random, bool healthy)
        {
            if (State == UpdateState.Testing)
            {
                return StepTesting(nowMs, healthy);
            }

            if (State != UpdateState.Offered && State != UpdateState.Downloading && State != UpdateState.Verifying)
            {
                return long.MaxValue;
            }

            if (!networkUp && State != UpdateState.Verifying)
            {
                return 1000;
            }

            long wait = _retry.Wait(nowMs);
            if (wait > 0)
            {
                return wait;
            }

            if (State == UpdateState.Offered)
            {
                StepOffered(nowMs, utcSeconds, random);
            }
            else if (State == UpdateState.Downloading)
            {
                StepDownloading(nowMs, random);
            }
            else
            {
                StepVerifying(nowMs, random);
            }

            return State == UpdateState.Offered || State == UpdateState.Downloading || State == UpdateState.Verifying
                ? _retry.Wait(nowMs)
                : long.MaxValue;
        }

        /// <summary>The running application failed (its entry point threw). A candidate under test is reverted at once.</summary>
        public void OnApplicationFailed()
        {
            if (State == UpdateState.Testing)
            {
                Revert(UpdateOutcome.RevertedAppFailed);
            }
        }

        /// <summary>Stable lower-case name of a state, for events and logs.</summary>
        public static string StateName(UpdateState state)
        {
            switch (state)
            {
                case UpdateState.Offered: return "offered";
                case UpdateState.Downloading: return "downloading";
                case UpdateState.Verifying: return "verifying";
                case UpdateState.Staged: return "staged";
                case UpdateState.Testing: return "testing";
                case UpdateState.WaitingForReboot: return "waiting-for-reboot";
                default: return "idle";
            }
        }

        private long StepTesting(long nowMs, bool healthy)
        {
            if (healthy)
            {
                Confirm();
                return State == UpdateState.Testing ? 1000 : long.MaxValue;
            }

            long left = TestTimeoutMs - Monotonic.Elapsed(nowMs, _testStartMs);
            if (left <= 0)
            {
                Revert(UpdateOutcome.RevertedTimeout);
                return long.MaxValue;
            }

            return left;
        }

        private void Confirm()
        {
            UpdateJournal current = _journal.Current;
            _next.CopyFrom(current);
            _next.Confirmed(_manifest.SecurityVersion);

            if (_journal.Save(_next) != StorageStatus.Ok)
            {
                // Retried at the next step; if it never succeeds the boot limit reverts, which is safe.
                return;
            }

            _device.CurrentVersion = _manifest.Version;
            _device.CurrentSecurityVersion = _manifest.SecurityVersion;
            Finish(UpdateOutcome.Confirmed, null, UpdateState.Idle);
        }

        private void Revert(UpdateOutcome outcome)
        {
            _next.CopyFrom(_journal.Current);
            _next.Reverted(outcome);
            // Reboot even if the save fails: the loader then counts another test boot and reverts at the limit.
            _journal.Save(_next);
            Finish(outcome, "candidate " + _manifest.Version.ToString() + " " + UpdateOutcomes.Name(outcome), UpdateState.Idle);
            RebootRequested = true;
            RebootReason = BootReason.Revert;
        }

        private void StepOffered(long nowMs, long utcSeconds, uint random)
        {
            bool timeKnown = WallTime.IsValid(utcSeconds);
            if (!timeKnown && Monotonic.Elapsed(nowMs, _offers.AcceptedMs) < TimeWaitMs)
            {
                _retry.DueAt(nowMs + 5000);
                return;
            }

            BundleDocuments documents = _slots.Documents;
            while (_documentIndex < 3)
            {
                // Documents already fetched are kept: a drop costs only the document it interrupted.
                BundleStatus fetched;
                if (!Fetch(_documentIndex, nowMs, random, out fetched))
                {
                    return;
                }

                if (fetched != BundleStatus.Verified)
                {
                    Reject(fetched, BundleDocuments.FileName(_documentIndex) + " is larger than the format allows");
                    return;
                }

                _documentIndex++;
                _retry.Progress();
            }

            documents.ComputeDigest();
            if (_offers.Mismatches(documents.ManifestDigest))
            {
                EndOffer(UpdateOutcome.OfferMismatch, "the manifest served is not the one offered");
                return;
            }

            UpdateJournal known = _journal.Current;
            if (known.State == UpdateState.Idle && UpdateOutcomes.IsCandidateFailure(known.LastOutcome)
                && ByteRange.ConstantTimeEquals(known.CandidateDigest, 0, documents.ManifestDigest, 0, 32))
            {
                EndOffer(UpdateOutcome.KnownBad, "this bundle already failed: " + UpdateOutcomes.Name(known.LastOutcome));
                return;
            }

            BundleVerifier verifier = _slots.Verifier;
            BundleStatus status = documents.VerifyForInstall(verifier, _revocations.List, utcSeconds, timeKnown);
            if (status != BundleStatus.Verified)
            {
                Reject(status, verifier.Detail);
                return;
            }

            Manifest manifest = verifier.Manifest;
            UpdateJournal current = _journal.Current;
            _device.SecurityFloor = current.SecurityFloor;
            if (!current.HasActive)
            {
                _device.CurrentVersion = null;
                _device.CurrentSecurityVersion = 0;
            }

            status = InstallPolicy.Check(manifest, _device, utcSeconds, timeKnown);
            if (status != BundleStatus.Verified)
            {
                Reject(status, "bundle " + manifest.Version.ToString() + " refused: " + BundleStatusText.Name(status));
                return;
            }

            if (!PrepareSlot())
            {
                return;
            }

            _manifest = manifest;
            _fileIndex = 0;
            _fileOpen = false;
            _resumePending = false;
            BytesTotal = manifest.TotalFileBytes;
            BytesDone = 0;
            _progressHalf = 0;
            Enter(UpdateState.Downloading);
            EventSequence++;
        }

        // Fetches document `index` of the offer into its buffer, continuing after the bytes an interrupted attempt kept
        // (the signature check covers every byte, so a document pieced together from two responses cannot pass unless it
        // is the signed one). False when the attempt failed (a retry is scheduled).
        private bool Fetch(int index, long nowMs, uint random, out BundleStatus status)
        {
            status = BundleStatus.Verified;
            BundleDocuments documents = _slots.Documents;
            byte[] buffer = documents.Buffer(index);
            string name = BundleDocuments.FileName(index);
            long remaining;
            DownloadStatus opened = _source.Open(_offers.Url + name, _documentBytes, out remaining);
            if (opened == DownloadStatus.RangeNotSatisfiable && _documentBytes > 0)
            {
                // The previous attempt had every byte but was cut before the end was seen.
                documents.SetLength(index, _documentBytes);
                _documentBytes = 0;
                return true;
            }

            if (opened == DownloadStatus.RangeIgnored)
            {
                _documentBytes = 0;
                opened = _source.Open(_offers.Url + name, 0, out remaining);
            }

            if (opened != DownloadStatus.Ok)
            {
                Failed(nowMs, random, "fetching " + name + ": " + DownloadStatusName(opened));
                return false;
            }

            while (true)
            {
                if (_documentBytes == buffer.Length)
                {
                    // Full: one more byte means the document is over its limit.
                    int extra;
                    DownloadStatus more = _source.Read(_chunk, 0, 1, out extra);
                    _source.Close();
                    if (more != DownloadStatus.Ok)
                    {
                        Failed(nowMs, random, "fetching " + name + ": " + DownloadStatusName(more));
                        return false;
                    }

                    status = extra > 0 ? BundleDocuments.MalformedStatus(index) : BundleStatus.Verified;
                    break;
                }

                int read;
                DownloadStatus got = _source.Read(buffer, _documentBytes, buffer.Length - _documentBytes, out read);
                if (got != DownloadStatus.Ok)
                {
                    _source.Close();
                    Failed(nowMs, random, "fetching " + name + ": " + DownloadStatusName(got));
                    return false;
                }

                if (read == 0)
                {
                    _source.Close();
                    break;
                }

                _documentBytes += read;
                _retry.Progress();
                _statistics.BytesReceived += read;
            }

            documents.SetLength(index, _documentBytes);
            _documentBytes = 0;
            return true;
        }

        // Empties the candidate slot and writes the verified documents into it, then journals Downloading. False on a
        // storage failure (the update is then finished as StorageFailed).
        private bool PrepareSlot()
        {
            UpdateJournal current = _journal.Current;
            if (current.State != UpdateState.Idle)
            {
                // A new offer supersedes a download: the journal leaves Downloading before the slot is touched.
                _next.CopyFrom(current);
                _next.Abandoned(current.LastOutcome);
                if (_journal.Save(_next) != StorageStatus.Ok)
                {
                    return StorageFailed("saving the journal");
                }
            }

            int slot = current.CandidateSlot;
            string folder = SlotLayout.Folder(slot);
            System.Collections.ArrayList names = new System.Collections.ArrayList();
            if (_store.CreateDirectory(folder) != StorageStatus.Ok || _store.ListFiles(folder, names) != StorageStatus.Ok)
            {
                return StorageFailed("listing " + folder);
            }

            for (int i = 0; i < names.Count; i++)
            {
                if (_store.Delete(folder + "/" + (string)names[i]) != StorageStatus.Ok)
                {
                    return StorageFailed("clearing " + folder);
                }
            }

            BundleDocuments documents = _slots.Documents;
            for (int index = 0; index < 3; index++)
            {
                StorageStatus written = _store.WriteAll(SlotLayout.Path(slot, BundleDocuments.FileName(index)), documents.Buffer(index), 0, documents.LengthOf(index));
                if (written != StorageStatus.Ok)
                {
                    return StorageFailed("writing " + BundleDocuments.FileName(index));
                }
            }

            _next.CopyFrom(_journal.Current);
            _next.ToDownloading(_offers.Url, documents.ManifestDigest);
            if (_journal.Save(_next) != StorageStatus.Ok)
            {
                return StorageFailed("saving the journal");
            }

            return true;
        }

        private void StepDownloading(long nowMs, uint random)
        {
            UpdateJournal journal = _journal.Current;
            int slot = journal.CandidateSlot;
            if (_resumePending)
            {
                // After a reboot the candidate's documents are re-read from flash and must still be the journal's.
                BundleStatus chain = _slots.VerifyChain(slot, journal.CandidateDigest, journal.SecurityFloor);
                if (chain != BundleStatus.Verified)
                {
                    Abandon(UpdateOutcome.StorageFailed, "candidate documents on flash: " + BundleStatusText.Name(chain));
                    return;
                }

                _manifest = _slots.Manifest;
                _resumePending = false;
                _fileIndex = 0;
                _fileOpen = false;
                BytesTotal = _manifest.TotalFileBytes;
                BytesDone = 0;
                _progressHalf = 0;
            }

            for (int chunk = 0; chunk < ChunksPerStep; chunk++)
            {
                if (State != UpdateState.Downloading)
                {
                    return;
                }

                if (_fileIndex == _manifest.FileCount)
                {
                    // No event: verifying takes one step and ends in Staged, which is reported.
                    Enter(UpdateState.Verifying);
                    return;
                }

                BundleFile file = _manifest.Files[_fileIndex];
                string path = SlotLayout.Path(slot, file.Name);
                if (!_fileOpen)
                {
                    if (!OpenFile(slot, file, path, nowMs, random))
                    {
                        return;
                    }

                    continue;
                }

                int read;
                DownloadStatus got = _source.Read(_chunk, 0, _chunk.Length, out read);
                if (got != DownloadStatus.Ok)
                {
                    CloseFile();
                    Failed(nowMs, random, file.Name + ": " + DownloadStatusName(got));
                    return;
                }

                if (read == 0)
                {
                    CloseFile();
                    BundleStatus verdict = _slots.Payload.Finish();
                    if (verdict == BundleStatus.Verified)
                    {
                        NextFile(file);
                        continue;
                    }

                    if (!RestartFile(path, verdict, file.Name + ": " + BundleStatusText.Name(verdict)))
                    {
                        return;
                    }

                    continue;
                }

                _statistics.BytesReceived += read;
                if (!_slots.Payload.Append(_chunk, 0, read))
                {
                    CloseFile();
                    if (!RestartFile(path, BundleStatus.FileSizeMismatch, file.Name + " is longer than the manifest says"))
                    {
                        return;
                    }

                    continue;
                }

                StorageStatus appended = _store.Append(path, _chunk, 0, read);
                if (appended != StorageStatus.Ok)
                {
                    CloseFile();
                    if (appended == StorageStatus.Full)
                    {
                        Abandon(UpdateOutcome.StorageFailed, "flash full writing " + file.Name);
                    }
                    else
                    {
                        Failed(nowMs, random, "writing " + file.Name);
                    }

                    return;
                }

                _retry.Progress();
                UpdateProgress(BytesDone + read);
            }

            // More work is waiting: come back at once (after the platform serviced MQTT).
            _retry.DueAt(nowMs);
        }

        // Re-hashes the bytes already on flash and opens the rest from the server. False when this step should end.
        private bool OpenFile(int slot, BundleFile file, string path, long nowMs, uint random)
        {
            long length;
            BundleStatus prefix = _slots.HashPrefix(slot, file, out length);
            _statistics.BytesRehashed += length;
            if (prefix == BundleStatus.FileSizeMismatch)
            {
                return DeleteAndContinue(path);
            }

            if (prefix != BundleStatus.Verified)
            {
                Failed(nowMs, random, "reading " + file.Name + " back");
                return false;
            }

            _doneBeforeFile = BytesDone;
            if (length == file.Size)
            {
                BundleStatus verdict = _slots.Payload.Finish();
                if (verdict == BundleStatus.Verified)
                {
                    NextFile(file);
                    return true;
                }

                return DeleteAndContinue(path);
            }

            UpdateProgress(_doneBeforeFile + length);
            long remaining;
            DownloadStatus opened = _source.Open(_offers.Url + file.Name, length, out remaining);
            if (opened == DownloadStatus.RangeIgnored || opened == DownloadStatus.RangeNotSatisfiable)
            {
                // The server cannot continue this file from our bytes; start it again from zero.
                if (opened == DownloadStatus.RangeNotSatisfiable)
                {
                    Failed(nowMs, random, file.Name + ": " + DownloadStatusName(opened));
                }

                return DeleteAndContinue(path) && opened == DownloadStatus.RangeIgnored;
            }

            if (opened != DownloadStatus.Ok)
            {
                Failed(nowMs, random, file.Name + ": " + DownloadStatusName(opened));
                return false;
            }

            if (remaining >= 0 && remaining != file.Size - length)
            {
                _source.Close();
                if (length == 0)
                {
                    Reject(BundleStatus.FileSizeMismatch, file.Name + " is " + remaining.ToString() + " bytes on the server, the manifest says " + file.Size.ToString());
                    return false;
                }

                return DeleteAndContinue(path);
            }

            if (length > 0)
            {
                _statistics.Resumes++;
            }

            _fileOpen = true;
            _fileFromZero = length == 0;
            return true;
        }

        // A downloaded file did not verify. Bytes kept from an earlier attempt may be the cause, so a file that did not come
        // whole from this attempt is deleted and downloaded again; one that did means the server's file is wrong.
        private bool RestartFile(string path, BundleStatus verdict, string detail)
        {
            if (_fileFromZero)
            {
                Reject(verdict, detail);
                return false;
            }

            return DeleteAndContinue(path);
        }

        private bool DeleteAndContinue(string path)
        {
            if (_store.Delete(path) != StorageStatus.Ok)
            {
                return StorageFailed("deleting " + path);
            }

            BytesDone = _doneBeforeFile;
            return true;
        }

        private void NextFile(BundleFile file)
        {
            UpdateProgress(_doneBeforeFile + file.Size);
            _doneBeforeFile = BytesDone;
            _fileIndex++;
        }

        private void CloseFile()
        {
            _source.Close();
            _fileOpen = false;
        }

        private void StepVerifying(long nowMs, uint random)
        {
            UpdateJournal journal = _journal.Current;
            int slot = journal.CandidateSlot;
            BundleStatus chain = _slots.VerifyChain(slot, journal.CandidateDigest, journal.SecurityFloor);
            if (chain != BundleStatus.Verified)
            {
                Abandon(UpdateOutcome.StorageFailed, "candidate documents on flash: " + BundleStatusText.Name(chain));
                return;
            }

            _manifest = _slots.Manifest;
            BundleStatus payload = _slots.VerifyPayload(slot, _manifest);
            _statistics.BytesRehashed += _manifest.TotalFileBytes;
            if (payload != BundleStatus.Verified)
            {
                // What was verified while streaming is not what the flash gives back: download the bad files again.
                Enter(UpdateState.Downloading);
                _fileIndex = 0;
                BytesDone = 0;
                _doneBeforeFile = 0;
                Failed(nowMs, random, "flash read-back: " + BundleStatusText.Name(payload));
                return;
            }

            if (_revocations.AddFrom(_manifest) != StorageStatus.Ok)
            {
                Failed(nowMs, random, "saving revocations");
                return;
            }

            _next.CopyFrom(journal);
            _next.ToStaged();
            if (_journal.Save(_next) != StorageStatus.Ok)
            {
                Failed(nowMs, random, "saving the journal");
                return;
            }

            Finish(UpdateOutcome.Staged, null, UpdateState.Staged);
            RebootRequested = true;
            RebootReason = BootReason.Update;
        }

        private void UpdateProgress(long done)
        {
            BytesDone = done;

            // One progress event at half way: with the start and the end that is three events per download, well inside
            // the update-progress budget of the publish limiter (burst 10).
            int half = BytesTotal > 0 && done * 2 >= BytesTotal ? 1 : 0;
            if (half != _progressHalf)
            {
                _progressHalf = half;
                EventSequence++;
            }
        }

        private void Failed(long nowMs, uint random, string detail)
        {
            _statistics.DownloadFailures++;
            LastDetail = detail;
            if (!_retry.Failed(nowMs, random))
            {
                if (State == UpdateState.Offered)
                {
                    EndOffer(UpdateOutcome.DownloadFailed, detail);
                }
                else
                {
                    Abandon(UpdateOutcome.DownloadFailed, detail);
                }
            }
        }

        private void Reject(BundleStatus status, string detail)
        {
            UpdateOutcome outcome = UpdateOutcomes.Rejected(status);
            if (State == UpdateState.Offered)
            {
                EndOffer(outcome, detail);
            }
            else
            {
                _statistics.OffersRejected++;
                Abandon(outcome, detail);
            }
        }

        private bool StorageFailed(string detail)
        {
            Abandon(UpdateOutcome.StorageFailed, detail);
            return false;
        }

        // Ends a download that touched the flash: the journal goes back to Idle with the outcome, the active slot untouched.
        private void Abandon(UpdateOutcome outcome, string detail)
        {
            _source.Close();
            _fileOpen = false;
            UpdateJournal current = _journal.Current;
            if (current.State != UpdateState.Idle || current.LastOutcome != outcome)
            {
                _next.CopyFrom(current);
                _next.Abandoned(outcome);
                _journal.Save(_next);
            }

            Finish(outcome, detail, UpdateState.Idle);
        }

        private UpdateOutcome Refuse(UpdateOutcome outcome, string detail)
        {
            _statistics.OffersRejected++;
            LastOutcome = outcome;
            LastDetail = detail;
            EventSequence++;
            return outcome;
        }

        private void Finish(UpdateOutcome outcome, string detail, UpdateState next)
        {
            LastOutcome = outcome;
            LastDetail = detail;
            Enter(next);
            if (outcome != UpdateOutcome.Confirmed && outcome != UpdateOutcome.Staged)
            {
                _manifest = null;
            }

            EventSequence++;
        }

        // Ends the processing of an offer that touched nothing. A download it was meant to supersede goes on.
        private void EndOffer(UpdateOutcome outcome, string detail)
        {
            _statistics.OffersRejected++;
            UpdateJournal journal = _journal.Current;
            bool resume = journal.State == UpdateState.Downloading;
            Finish(outcome, detail, resume ? UpdateState.Downloading : UpdateState.Idle);
            if (resume)
            {
                _offers.Url = journal.Url;
                _resumePending = true;
                _retry.Progress();
            }
        }

        // The one place the state changes at run time. An illegal transition is a bug of this engine, never an input: it
        // throws rather than leave the machine somewhere the docs do not describe.
        private void Enter(UpdateState next)
        {
            if (!UpdateTransitions.IsLegal(State, next))
            {
                throw new System.InvalidOperationException("update " + StateName(State) + " -> " + StateName(next));
            }

            State = next;
        }

        /// <summary>Stable lower-case name of a download status.</summary>
        public static string DownloadStatusName(DownloadStatus status)
        {
            switch (status)
            {
                case DownloadStatus.Ok: return "ok";
                case DownloadStatus.NotFound: return "not-found";
                case DownloadStatus.RangeIgnored: return "range-ignored";
                case DownloadStatus.RangeNotSatisfiable: return "range-not-satisfiable";
                case DownloadStatus.NetworkError: return "network-error";
                case DownloadStatus.TlsError: return "tls-error";
                case DownloadStatus.ServerError: return "server-error";
                default: return "timeout";
            }
        }
    }
}
