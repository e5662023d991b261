using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The persisted state of the update machine (docs/update-engine.md): which slot is active, what the other slot holds,
    /// the anti-rollback floor and the last outcome. Kept in one <see cref="RecordStore"/> record, so every transition is
    /// a single atomic save. A plain value: <see cref="JournalStore"/> loads and saves it; planners and the engine build the
    /// next value in a copy and apply it only after the save succeeded (calculate → validate → apply).
    /// </summary>
    public sealed class UpdateJournal
    {
        /// <summary>Record format written by this firmware.</summary>
        public const int FormatVersion = 1;

        /// <summary>Longest base URL kept for a download (ASCII characters).</summary>
        public const int MaxUrlLength = 200;

        /// <summary>Largest encoded size, bytes.</summary>
        public const int MaxEncodedBytes = 8 + 8 + 32 + 32 + 1 + MaxUrlLength;

        private static readonly UpdateJournal Empty = new UpdateJournal();

        /// <summary>Creates the empty journal: slot A, Idle, no application, floor 0.</summary>
        public UpdateJournal()
        {
            ActiveDigest = new byte[32];
            CandidateDigest = new byte[32];
            Url = string.Empty;
        }

        /// <summary>The slot the loader boots when nothing is under test (<see cref="SlotLayout.SlotA"/> or <see cref="SlotLayout.SlotB"/>).</summary>
        public int ActiveSlot { get; internal set; }

        /// <summary>False when no verified application is installed in the active slot (never installed, or found corrupt).</summary>
        public bool HasActive { get; internal set; }

        /// <summary>Idle, Downloading, Staged or Testing (the transient states are never persisted).</summary>
        public UpdateState State { get; internal set; }

        /// <summary>Boots of the candidate slot while Testing, this one included (0..255).</summary>
        public int TestBoots { get; internal set; }

        /// <summary>Boots that found a download in progress (0..255); bounds a download that keeps crashing the device.</summary>
        public int ResumeBoots { get; internal set; }

        /// <summary>The last outcome (its code 0..255 is persisted), reported until the next one.</summary>
        public UpdateOutcome LastOutcome { get; internal set; }

        /// <summary>
        /// Anti-rollback floor (0..<see cref="FloorStore.MaxFloor"/>): no slot with a lower security version is installed or
        /// booted. Never lowered by any transition: raised at confirmation, at adoption, and by <see cref="FloorRecorded"/>
        /// (the floor record, state/floor, holds a higher one).
        /// </summary>
        public long SecurityFloor { get; internal set; }

        /// <summary>SHA-256 of the active slot's manifest (32 bytes), binding the slot to the bundle that was confirmed.</summary>
        public byte[] ActiveDigest { get; private set; }

        /// <summary>SHA-256 of the candidate's manifest while Downloading, Staged or Testing.</summary>
        public byte[] CandidateDigest { get; private set; }

        /// <summary>Base URL the candidate's files are downloaded from (ends in '/'), empty when none.</summary>
        public string Url { get; internal set; }

        /// <summary>The slot that is not active.</summary>
        public int CandidateSlot
        {
            get { return SlotLayout.Other(ActiveSlot); }
        }

        // The named transitions: the "journal after" column of the decision table in docs/update-engine.md. The planner and
        // the engine build the next journal in a copy with exactly one of these, save it, and apply it only after the save
        // succeeded; no other production code writes a field (the setters are internal for the device tests, and
        // JournalSetterGateTests fails on any other caller in the core). Each says which fields it resets.

        /// <summary>The documents of a new candidate are in its slot: Downloading it from <paramref name="url"/>; test and resume boots 0.</summary>
        public void ToDownloading(string url, byte[] manifestDigest)
        {
            State = UpdateState.Downloading;
            TestBoots = 0;
            ResumeBoots = 0;
            Url = url;
            System.Array.Copy(manifestDigest, 0, CandidateDigest, 0, 32);
        }

        /// <summary>A boot found the download in progress: resume boots + 1 (row 7).</summary>
        public void ResumeBooted()
        {
            ResumeBoots++;
        }

        /// <summary>The candidate verified from flash: Staged, outcome Staged, resume boots 0.</summary>
        public void ToStaged()
        {
            State = UpdateState.Staged;
            ResumeBoots = 0;
            LastOutcome = UpdateOutcome.Staged;
        }

        /// <summary>The loader boots the candidate: Testing, test boots 1 from Staged (row 5), else + 1 (row 4).</summary>
        public void ToTesting()
        {
            TestBoots = State == UpdateState.Staged ? 1 : TestBoots + 1;
            State = UpdateState.Testing;
        }

        /// <summary>
        /// The candidate proved healthy: it becomes the active slot (its digest the active digest), the floor rises to
        /// <paramref name="securityVersion"/> if higher, Idle, outcome Confirmed, test and resume boots 0, no URL.
        /// </summary>
        public void Confirmed(long securityVersion)
        {
            ActiveSlot = CandidateSlot;
            HasActive = true;
            System.Array.Copy(CandidateDigest, 0, ActiveDigest, 0, 32);
            if (securityVersion > SecurityFloor)
            {
                SecurityFloor = securityVersion;
            }

            State = UpdateState.Idle;
            TestBoots = 0;
            ResumeBoots = 0;
            Url = string.Empty;
            LastOutcome = UpdateOutcome.Confirmed;
        }

        /// <summary>The candidate under test failed (<paramref name="outcome"/>): Idle, test boots 0; the active slot boots again.</summary>
        public void Reverted(UpdateOutcome outcome)
        {
            State = UpdateState.Idle;
            TestBoots = 0;
            LastOutcome = outcome;
        }

        /// <summary>A download is given up or superseded (<paramref name="outcome"/>): Idle, resume boots 0, no URL.</summary>
        public void Abandoned(UpdateOutcome outcome)
        {
            State = UpdateState.Idle;
            ResumeBoots = 0;
            Url = string.Empty;
            LastOutcome = outcome;
        }

        /// <summary>
        /// No journal: start from the empty one but for the floor, and adopt the verified <paramref name="slot"/> (its
        /// manifest digest; the floor rises to its <paramref name="securityVersion"/> if higher); a negative slot adopts
        /// nothing (no application). Idle (rows 1 and 1b). The floor this journal held (the floor record's, when the journal
        /// was lost) is never lowered: a lost journal must not lower the floor.
        /// </summary>
        public void Adopted(int slot, byte[] manifestDigest, long securityVersion)
        {
            long floor = SecurityFloor;
            CopyFrom(Empty);
            SecurityFloor = floor;
            if (slot >= 0)
            {
                ActiveSlot = slot;
                HasActive = true;
                System.Array.Copy(manifestDigest, 0, ActiveDigest, 0, 32);
                FloorRecorded(securityVersion);
            }
        }

        /// <summary>
        /// The floor record (state/floor) holds <paramref name="floor"/>: the floor rises to it if higher; nothing else
        /// changes (<see cref="JournalStore"/>, at every load and save).
        /// </summary>
        public void FloorRecorded(long floor)
        {
            if (floor > SecurityFloor)
            {
                SecurityFloor = floor;
            }
        }

        /// <summary>The active slot failed verification: no active application; the outcome becomes ActiveCorrupt unless <paramref name="keepOutcome"/>.</summary>
        public void ActiveDropped(bool keepOutcome)
        {
            HasActive = false;
            if (!keepOutcome)
            {
                LastOutcome = UpdateOutcome.ActiveCorrupt;
            }
        }

        /// <summary>Copies every field of <paramref name="other"/> into this journal.</summary>
        public void CopyFrom(UpdateJournal other)
        {
            ActiveSlot = other.ActiveSlot;
            HasActive = other.HasActive;
            State = other.State;
            TestBoots = other.TestBoots;
            ResumeBoots = other.ResumeBoots;
            LastOutcome = other.LastOutcome;
            SecurityFloor = other.SecurityFloor;
            System.Array.Copy(other.ActiveDigest, 0, ActiveDigest, 0, 32);
            System.Array.Copy(other.CandidateDigest, 0, CandidateDigest, 0, 32);
            Url = other.Url;
        }

        /// <summary>True when every field equals <paramref name="other"/>'s (a save would change nothing).</summary>
        public bool SameAs(UpdateJournal other)
        {
            return ActiveSlot == other.ActiveSlot && HasActive == other.HasActive && State == other.State && TestBoots == other.TestBoots
                && ResumeBoots == other.ResumeBoots && LastOutcome == other.LastOutcome && SecurityFloor == other.SecurityFloor
                && ByteRange.ConstantTimeEquals(ActiveDigest, 0, other.ActiveDigest, 0, 32)
                && ByteRange.ConstantTimeEquals(CandidateDigest, 0, other.CandidateDigest, 0, 32) && Url == other.Url;
        }

        /// <summary>Writes the record payload.</summary>
        /// <exception cref="System.InvalidOperationException">A field is out of range (a caller bug).</exception>
        public void Encode(RecordWriter writer)
        {
            if (!IsPersistable())
            {
                throw new System.InvalidOperationException("journal field out of range");
            }

            writer.WriteByte(FormatVersion);
            writer.WriteByte(ActiveSlot);
            writer.WriteBoolean(HasActive);
            writer.WriteByte((int)State);
            writer.WriteByte(TestBoots);
            writer.WriteByte(ResumeBoots);
            writer.WriteByte(UpdateOutcomeCode.Of(LastOutcome));
            writer.WriteByte(0);
            writer.WriteInt64(SecurityFloor);
            writer.WriteBytes(ActiveDigest, 0, 32);
            writer.WriteBytes(CandidateDigest, 0, 32);
            writer.WriteAscii(Url);
        }

        /// <summary>Reads a record payload into this journal.</summary>
        /// <returns>False when the payload is not a valid journal of this format (this journal is then unchanged).</returns>
        public bool TryDecode(RecordReader reader)
        {
            UpdateJournal read = new UpdateJournal();
            // Initialised although every path that reads them has assigned them: a mutation tool that turns one || of the
            // chain below into && could otherwise not compile that mutant, and would then skip every mutant of this method.
            int format = 0;
            int slot = 0;
            bool hasActive = false;
            int state = 0;
            int testBoots = 0;
            int resumeBoots = 0;
            int outcome = 0;
            int reserved = 0;
            long floor = 0;
            string url = null;
            if (!reader.TryReadByte(out format) || format != FormatVersion
                || !reader.TryReadByte(out slot) || !reader.TryReadBoolean(out hasActive)
                || !reader.TryReadByte(out state) || !reader.TryReadByte(out testBoots) || !reader.TryReadByte(out resumeBoots)
                || !reader.TryReadByte(out outcome) || !reader.TryReadByte(out reserved) || !reader.TryReadInt64(out floor)
                || !reader.TryReadBytes(read.ActiveDigest, 0, 32) || !reader.TryReadBytes(read.CandidateDigest, 0, 32)
                || !reader.TryReadAscii(out url) || reader.Remaining != 0)
            {
                return false;
            }

            read.ActiveSlot = slot;
            read.HasActive = hasActive;
            read.State = (UpdateState)state;
            read.TestBoots = testBoots;
            read.ResumeBoots = resumeBoots;
            read.LastOutcome = UpdateOutcomeCode.FromJournal(outcome);
            read.SecurityFloor = floor;
            read.Url = url;
            if (reserved != 0 || !read.IsPersistable())
            {
                return false;
            }

            CopyFrom(read);
            return true;
        }

        private bool IsPersistable()
        {
            bool persistedState = State == UpdateState.Idle || State == UpdateState.Downloading || State == UpdateState.Staged || State == UpdateState.Testing;
            return (ActiveSlot == SlotLayout.SlotA || ActiveSlot == SlotLayout.SlotB) && persistedState
                && TestBoots >= 0 && TestBoots <= 255 && ResumeBoots >= 0 && ResumeBoots <= 255 && UpdateOutcomeCode.Of(LastOutcome) >= 0 && UpdateOutcomeCode.Of(LastOutcome) <= 255
                && SecurityFloor >= 0 && SecurityFloor <= FloorStore.MaxFloor && Url != null && Url.Length <= MaxUrlLength;
        }
    }
}
