using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateJournalTests
    {
        private const string SampleUrl = "https://u.example/b/";

        // Sample() encoded: format, slots, flags, state, test boots, outcome, reserved; security floor 3; the active and the
        // candidate digest (32 x 11, 32 x 22); the URL's length (20) and bytes. Built at run time: a 203-character literal
        // would weigh on NFUnitTest's string table.
        private static string GoldenHex()
        {
            byte[] url = TestBytes.Utf8(SampleUrl);
            return "0101010502000b00" + "0000000000000003" + new string('1', 64) + new string('2', 64) + "14" + Hex.Encode(url, 0, url.Length);
        }

        [TestMethod]
        public void Encode_KnownJournal_MatchesGoldenBytes()
        {
            byte[] buffer = new byte[UpdateJournal.MaxEncodedBytes];
            RecordWriter writer = new RecordWriter(buffer);
            Sample().Encode(writer);
            string actual = Hex.Encode(buffer, 0, writer.Length);
            Assert.AreEqual(GoldenHex(), actual);
        }

        [TestMethod]
        public void Decode_GoldenBytes_RoundTrips()
        {
            int empty = new UpdateJournal().Url.Length;
            Assert.AreEqual(0, empty);
            byte[] bytes = Hex.Decode(GoldenHex());
            UpdateJournal journal = new UpdateJournal();
            bool decoded = journal.TryDecode(new RecordReader(bytes, 0, bytes.Length));
            Assert.IsTrue(decoded);
            bool same = journal.SameAs(Sample());
            Assert.IsTrue(same);
            Assert.AreEqual(SlotLayout.SlotA, journal.CandidateSlot);
        }

        [TestMethod]
        public void Decode_DamagedFields_RefusedAndJournalUnchanged()
        {
            // format, slot, boolean, state (Offered and Verifying are never persisted), reserved, a negative security floor;
            // then truncated, trailing byte
            int[] positions = new int[] { 0, 1, 2, 3, 3, 7, 8 };
            int[] values = new int[] { 2, 2, 2, 1, 3, 1, 0x80 };
            for (int i = 0; i < positions.Length; i++)
            {
                byte[] bytes = Hex.Decode(GoldenHex());
                bytes[positions[i]] = (byte)values[i];
                UpdateJournal journal = new UpdateJournal();
                Assert.IsFalse(journal.TryDecode(new RecordReader(bytes, 0, bytes.Length)), "byte " + positions[i].ToString() + " = " + values[i].ToString());
                bool unchanged = journal.SameAs(new UpdateJournal());
                Assert.IsTrue(unchanged);
            }

            byte[] golden = Hex.Decode(GoldenHex());
            bool decoded = new UpdateJournal().TryDecode(new RecordReader(golden, 0, golden.Length - 1));
            Assert.IsFalse(decoded);
            byte[] longer = new byte[golden.Length + 1];
            System.Array.Copy(golden, longer, golden.Length);
            decoded = new UpdateJournal().TryDecode(new RecordReader(longer, 0, longer.Length));
            Assert.IsFalse(decoded);
        }

        [TestMethod]
        public void Encode_TransientStateOrLongUrl_Throws()
        {
            UpdateJournal journal = Sample();
            journal.State = UpdateState.Verifying;
            System.Action encode = () => journal.Encode(new RecordWriter(new byte[UpdateJournal.MaxEncodedBytes]));
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.State = UpdateState.WaitingForReboot;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal = Sample();
            journal.Url = new string('a', UpdateJournal.MaxUrlLength + 1);
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
        }

        // The tightest valid journals (every count 0 or 255, floor 0, no URL or one of MaxUrlLength characters) round-trip;
        // one beyond any bound throws rather than being written truncated (a byte of 256 test boots would read back as 0).
        [TestMethod]
        public void Encode_EachFieldAtItsBound_RoundTripsAndOneBeyondThrows()
        {
            UpdateJournal journal = Sample();
            journal.TestBoots = 0;
            journal.ResumeBoots = 0;
            journal.SecurityFloor = 0;
            journal.Url = string.Empty;
            AssertRoundTrips(journal);
            journal.TestBoots = 255;
            journal.ResumeBoots = 255;
            journal.LastOutcome = UpdateOutcomeCode.FromJournal(255);
            journal.Url = new string('a', UpdateJournal.MaxUrlLength);
            AssertRoundTrips(journal);

            System.Action encode = () => journal.Encode(new RecordWriter(new byte[UpdateJournal.MaxEncodedBytes]));
            journal.TestBoots = 256;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.TestBoots = -1;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.TestBoots = 0;
            journal.ResumeBoots = 256;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.ResumeBoots = -1;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.ResumeBoots = 0;
            journal.SecurityFloor = -1;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.SecurityFloor = FloorStore.MaxFloor + 1;
            Assert.ThrowsException(typeof(System.InvalidOperationException), encode);
            journal.SecurityFloor = FloorStore.MaxFloor;
            AssertRoundTrips(journal);
        }

        // SameAs decides whether the planner saves the next journal at all: a field it ignored would never be persisted.
        [TestMethod]
        public void SameAs_AnyOneFieldDiffers_IsFalse()
        {
            for (int field = 0; field < 10; field++)
            {
                UpdateJournal other = Sample();
                switch (field)
                {
                    case 0: other.ActiveSlot = SlotLayout.SlotA; break;
                    case 1: other.HasActive = false; break;
                    case 2: other.State = UpdateState.Staged; break;
                    case 3: other.TestBoots = 3; break;
                    case 4: other.ResumeBoots = 1; break;
                    case 5: other.LastOutcome = UpdateOutcome.Confirmed; break;
                    case 6: other.SecurityFloor = 4; break;
                    case 7: other.ActiveDigest[31] ^= 1; break;
                    case 8: other.CandidateDigest[31] ^= 1; break;
                    default: other.Url = "https://u.example/c/"; break;
                }

                bool same = Sample().SameAs(other);
                Assert.IsFalse(same, "field " + field.ToString());
            }
        }

        [TestMethod]
        public void Load_RecordGoneSinceTheLastLoad_CurrentIsEmptyButTheFloor()
        {
            MemoryFileStore flash = new MemoryFileStore();
            JournalStore store = new JournalStore(flash);
            bool found;
            store.Load(out found);
            store.Save(Sample());
            int saves = store.Saves;
            Assert.AreEqual(1, saves);
            flash.Delete(JournalStore.Path);
            store.Load(out found);
            Assert.IsFalse(found);
            // Empty but for the floor, which the floor record (state/floor) kept.
            UpdateJournal expected = new UpdateJournal();
            expected.FloorRecorded(3);
            bool empty = store.Current.SameAs(expected);
            Assert.IsTrue(empty);
        }

        // A journal that could not be read is never written over: it may hold what the fault hid (a test, a higher floor).
        [TestMethod]
        public void Save_AfterAFailedLoad_WritesNothingUntilALoadSucceeds()
        {
            MemoryFileStore flash = new MemoryFileStore();
            JournalStore store = new JournalStore(flash);
            bool found;
            store.Load(out found);
            store.Save(Sample());
            FaultyFileStore faulty = new FaultyFileStore(flash);
            faulty.FailReadsPrefix = JournalStore.Path;
            JournalStore unread = new JournalStore(faulty);
            StorageStatus status = unread.Load(out found);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            bool unreadable = unread.Unreadable;
            Assert.IsTrue(unreadable);
            UpdateJournal next = Sample();
            next.SecurityFloor = 9;
            status = unread.Save(next);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(0, unread.Saves);

            faulty.FailReadsPrefix = null;
            unread.Load(out found);
            unreadable = unread.Unreadable;
            Assert.IsFalse(unreadable);
            bool same = unread.Current.SameAs(Sample());
            Assert.IsTrue(same);
            status = unread.Save(next);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
        }

        [TestMethod]
        public void Save_Failure_KeepsCurrentAndTheOldRecord()
        {
            MemoryFileStore flash = new MemoryFileStore();
            JournalStore store = new JournalStore(flash);
            bool found;
            store.Load(out found);
            Assert.IsFalse(found);
            StorageStatus status = store.Save(Sample());
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);

            FaultyFileStore faulty = new FaultyFileStore(flash);
            faulty.FailPrefix = JournalStore.Path;
            JournalStore failing = new JournalStore(faulty);
            failing.Load(out found);
            UpdateJournal next = Sample();
            next.SecurityFloor = 9;
            status = failing.Save(next);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(3L, failing.Current.SecurityFloor);
            Assert.AreEqual(0, failing.Saves);

            JournalStore reloaded = new JournalStore(flash);
            reloaded.Load(out found);
            Assert.IsTrue(found);
            bool same = reloaded.Current.SameAs(Sample());
            Assert.IsTrue(same);
        }

        [TestMethod]
        public void ToDownloading_ResetsBootCountsAndSetsUrlAndCandidate()
        {
            UpdateJournal journal = Dirty(UpdateState.Idle);
            byte[] digest = new byte[32];
            digest[0] = 0x33;
            journal.ToDownloading("https://n.example/", digest);
            AssertFields(journal, UpdateState.Downloading, 0, 0, UpdateOutcome.Staged);
            Assert.AreEqual("https://n.example/", journal.Url);
            byte first = journal.CandidateDigest[0];
            Assert.AreEqual((byte)0x33, first);
            journal.ResumeBooted();
            int resumeBoots = journal.ResumeBoots;
            Assert.AreEqual(1, resumeBoots);
        }

        [TestMethod]
        public void ToStaged_ResetsResumeBootsKeepsUrl()
        {
            UpdateJournal journal = Dirty(UpdateState.Downloading);
            journal.ToStaged();
            AssertFields(journal, UpdateState.Staged, 2, 0, UpdateOutcome.Staged);
            Assert.AreEqual(SampleUrl, journal.Url);
        }

        [TestMethod]
        public void ToTesting_FromStagedOneThenCounts()
        {
            UpdateJournal journal = Dirty(UpdateState.Staged);
            journal.ToTesting();
            AssertFields(journal, UpdateState.Testing, 1, 4, UpdateOutcome.Staged);
            journal.ToTesting();
            AssertFields(journal, UpdateState.Testing, 2, 4, UpdateOutcome.Staged);
        }

        [TestMethod]
        public void Confirmed_CandidateBecomesActiveFloorNeverLowered()
        {
            UpdateJournal journal = Dirty(UpdateState.Testing);
            journal.Confirmed(2);
            AssertFields(journal, UpdateState.Idle, 0, 0, UpdateOutcome.Confirmed);
            int activeSlot = journal.ActiveSlot;
            Assert.AreEqual(SlotLayout.SlotA, activeSlot);
            byte first = journal.ActiveDigest[0];
            Assert.AreEqual((byte)0x22, first);
            long floor = journal.SecurityFloor;
            Assert.AreEqual(3L, floor);
            Assert.AreEqual(string.Empty, journal.Url);
            journal.Confirmed(5);
            floor = journal.SecurityFloor;
            Assert.AreEqual(5L, floor);
        }

        [TestMethod]
        public void Reverted_ResetsTestBootsKeepsActiveAndResumeBoots()
        {
            UpdateJournal journal = Dirty(UpdateState.Testing);
            journal.Reverted(UpdateOutcome.RevertedTimeout);
            AssertFields(journal, UpdateState.Idle, 0, 4, UpdateOutcome.RevertedTimeout);
            int activeSlot = journal.ActiveSlot;
            Assert.AreEqual(SlotLayout.SlotB, activeSlot);
            long floor = journal.SecurityFloor;
            Assert.AreEqual(3L, floor);
        }

        [TestMethod]
        public void Abandoned_ResetsResumeBootsAndUrl()
        {
            UpdateJournal journal = Dirty(UpdateState.Downloading);
            journal.Abandoned(UpdateOutcome.DownloadFailed);
            AssertFields(journal, UpdateState.Idle, 2, 0, UpdateOutcome.DownloadFailed);
            Assert.AreEqual(string.Empty, journal.Url);
        }

        // Everything but the floor is reset; the floor it held (the floor record's, for a lost journal) is never lowered.
        [TestMethod]
        public void Adopted_ResetsEverythingElseNeverLowersTheFloor()
        {
            UpdateJournal journal = Dirty(UpdateState.Testing);
            journal.Adopted(-1, null, 7);
            UpdateJournal empty = new UpdateJournal();
            empty.FloorRecorded(3);
            bool same = journal.SameAs(empty);
            Assert.IsTrue(same);
            journal.Adopted(SlotLayout.SlotB, Dirty(UpdateState.Idle).CandidateDigest, 1);
            long floor = journal.SecurityFloor;
            Assert.AreEqual(3L, floor);
            journal.Adopted(SlotLayout.SlotB, Dirty(UpdateState.Idle).CandidateDigest, 7);
            AssertFields(journal, UpdateState.Idle, 0, 0, UpdateOutcome.None);
            floor = journal.SecurityFloor;
            Assert.AreEqual(7L, floor);
            byte first = journal.ActiveDigest[0];
            Assert.AreEqual((byte)0x22, first);
            journal.ActiveDropped(true);
            bool hasActive = journal.HasActive;
            Assert.IsFalse(hasActive);
            journal.ActiveDropped(false);
            AssertFields(journal, UpdateState.Idle, 0, 0, UpdateOutcome.ActiveCorrupt);
        }

        [TestMethod]
        public void FloorRecorded_RaisesTheFloorOnlyAndNeverLowersIt()
        {
            UpdateJournal journal = Dirty(UpdateState.Testing);
            journal.FloorRecorded(2);
            bool same = journal.SameAs(Dirty(UpdateState.Testing));
            Assert.IsTrue(same);
            journal.FloorRecorded(9);
            UpdateJournal expected = Dirty(UpdateState.Testing);
            expected.SecurityFloor = 9;
            same = journal.SameAs(expected);
            Assert.IsTrue(same);
        }

        private static void AssertRoundTrips(UpdateJournal journal)
        {
            byte[] buffer = new byte[UpdateJournal.MaxEncodedBytes];
            RecordWriter writer = new RecordWriter(buffer);
            journal.Encode(writer);
            UpdateJournal decoded = new UpdateJournal();
            bool read = decoded.TryDecode(new RecordReader(buffer, 0, writer.Length));
            Assert.IsTrue(read);
            bool same = decoded.SameAs(journal);
            Assert.IsTrue(same);
        }

        private static void AssertFields(UpdateJournal journal, UpdateState state, int testBoots, int resumeBoots, UpdateOutcome outcome)
        {
            Assert.AreEqual((int)state, (int)journal.State, "state");
            Assert.AreEqual(testBoots, journal.TestBoots, "test boots");
            Assert.AreEqual(resumeBoots, journal.ResumeBoots, "resume boots");
            Assert.AreEqual((int)outcome, (int)journal.LastOutcome, "outcome");
        }

        // Sample() in `state` with every counter set, so a transition that forgets a reset is seen.
        private static UpdateJournal Dirty(UpdateState state)
        {
            UpdateJournal journal = Sample();
            journal.State = state;
            journal.ResumeBoots = 4;
            return journal;
        }

        private static UpdateJournal Sample()
        {
            UpdateJournal journal = new UpdateJournal();
            journal.ActiveSlot = SlotLayout.SlotB;
            journal.HasActive = true;
            journal.State = UpdateState.Testing;
            journal.TestBoots = 2;
            journal.LastOutcome = UpdateOutcome.Staged;
            journal.SecurityFloor = 3;
            for (int i = 0; i < 32; i++)
            {
                journal.ActiveDigest[i] = 0x11;
                journal.CandidateDigest[i] = 0x22;
            }

            journal.Url = SampleUrl;
            return journal;
        }
    }
}
