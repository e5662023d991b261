using nanoFramework.TestFramework;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Time;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    /// <summary>
    /// The engine on the rig, whose chunks and network pieces are the board's scaled down 16 times (<see cref="UpdateRig"/>):
    /// so are the file sizes here, e.g. 5,625 bytes (88 pieces, six download steps) for a download still going on after
    /// two steps.
    /// </summary>
    [TestClass]
    public class UpdateEngineTests
    {
        [TestMethod]
        public void Update_OfferToConfirm_RunsNewVersionAndRaisesFloor()
        {
            UpdateRig rig = UpdateRig.Booted(41);
            TestBundle release = rig.Release();
            Assert.AreEqual("1.0.0", rig.Running);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(2L, floor);

            string url = rig.Publish(release, "1.1.0");
            int outcome = (int)rig.Offer(url);
            Assert.AreEqual((int)UpdateOutcome.None, outcome);
            rig.Run(true, 200);
            bool rebootRequested = rig.Engine.Status.RebootRequested;
            Assert.IsTrue(rebootRequested);
            BootReason reason = rig.Engine.Status.RebootReason;
            Assert.AreEqual((int)BootReason.Update, (int)reason);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Staged, (int)state);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            long bytesDone = rig.Engine.Status.BytesDone;
            Assert.AreEqual((long)UpdateBundles.ReleaseBytes, bytesDone);
            Assert.AreEqual(2L, rig.Journal.Current.SecurityFloor, "the floor rises only at confirmation");

            rig.Boot();
            decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.StartTest, (int)decision);
            Assert.AreEqual("1.1.0", rig.Running);
            bool testing = rig.Plan.Testing;
            Assert.IsTrue(testing);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(1, testBoots);
            state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.Testing, (int)state);
            rig.Run(true, 10);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);
            state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
            int activeSlot = rig.Journal.Current.ActiveSlot;
            Assert.AreEqual(SlotLayout.SlotB, activeSlot);
            floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(3L, floor);
            rebootRequested = rig.Engine.Status.RebootRequested;
            Assert.IsFalse(rebootRequested);

            rig.Boot();
            decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)decision);
            Assert.AreEqual("1.1.0", rig.Running);
            testing = rig.Plan.Testing;
            Assert.IsFalse(testing);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);
        }

        [TestMethod]
        public void Update_FlashWrites_AreTheDocumentedCount()
        {
            // docs/update-engine.md: 3 document writes + one append per received piece + 4 journal saves of 3 operations
            // (Downloading, Staged, Testing at boot, Confirmed) + the boot marker of the test boot (3) + the floor record
            // raised from 2 to 3 at the confirmation (3) + deletes of the old files in the slot.
            UpdateRig rig = UpdateRig.Booted(42);
            TestBundle release = rig.Release();
            int before = rig.Flash.MutationCount;
            rig.Offer(rig.Publish(release, "r"));
            rig.Run(true, 200);
            rig.BootAndConfirm();
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);
            int appends = 9 + 5 + 1;
            int writes = rig.Flash.MutationCount - before;
            Assert.AreEqual(3 + appends + (4 * 3) + 3 + 3, writes);
        }

        [TestMethod]
        public void Update_SecondUpdate_GoesBackToSlotAAndDeletesItsOldFiles()
        {
            UpdateRig rig = UpdateRig.Booted(43);
            rig.Stage(rig.Release());
            rig.BootAndConfirm();

            TestBundle third = rig.Release("1.2.0", 4, new int[] { 125 });
            rig.Offer(rig.Publish(third, "1.2.0"));
            rig.Run(true, 200);
            Assert.IsFalse(rig.Flash.Exists(SlotLayout.Path(SlotLayout.SlotA, "Sensor.Lib.pe")), "the factory's files are gone from slot A");
            rig.Boot();
            Assert.AreEqual("1.2.0", rig.Running);
            int slot = rig.Plan.Slot;
            Assert.AreEqual(SlotLayout.SlotA, slot);
            rig.Run(true, 10);
            int activeSlot = rig.Journal.Current.ActiveSlot;
            Assert.AreEqual(SlotLayout.SlotA, activeSlot);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(4L, floor);
        }

        [TestMethod]
        public void Download_DropsAtRandomPoints_CompletesWithoutFetchingAByteTwice()
        {
            int resumes = 0;
            for (uint seed = 1; seed <= 6; seed++)
            {
                resumes += DownloadWithDrops(seed);
            }

            Assert.IsTrue(resumes >= 6, "drops were resumed " + resumes.ToString() + " times");
        }

        // One device of Download_DropsAtRandomPoints_... (in a method of its own, so that only one is alive at a time);
        // returns how often it resumed.
        private static int DownloadWithDrops(uint seed)
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(100 + seed)), seed);
            TestBundle release = rig.Release("1.1.0", 3, new int[] { 1875, 750, 44 });
            rig.Server.Random = new TestRandom(seed);
            rig.Server.DropPercent = 70;
            rig.Boot();
            string url = rig.Publish(release, "1.1.0");
            rig.Offer(url);
            rig.Run(true, 2000);
            Assert.AreEqual((int)UpdateOutcome.Staged, (int)rig.Engine.Status.LastOutcome, "seed " + seed.ToString() + " " + rig.Engine.Status.LastDetail + " failures " + rig.Engine.Status.Statistics.DownloadFailures.ToString());
            Assert.AreEqual(2669L, rig.Server.PayloadBytesServed, "payload bytes served for seed " + seed.ToString());
            int resumes = rig.Engine.Status.Statistics.Resumes;
            rig.Boot();
            Assert.AreEqual("1.1.0", rig.Running);
            return resumes;
        }

        [TestMethod]
        public void Download_InterruptedByReboots_ResumesFromFlashAndRehashesIt()
        {
            UpdateRig rig = UpdateRig.Booted(44);
            TestBundle release = rig.Release("1.1.0", 3, new int[] { 3750, 1250 });
            string url = rig.Publish(release, "1.1.0");
            rig.Offer(url);
            rig.Run(true, 3);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Downloading, (int)state);
            long firstBoot = rig.Server.PayloadBytesServed;
            Assert.IsTrue(firstBoot > 0 && firstBoot < 5000, "a partial download");

            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.ResumeDownload, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
            rig.Run(true, 2);
            rig.Boot();
            int resumeBoots = rig.Journal.Current.ResumeBoots;
            Assert.AreEqual(2, resumeBoots);
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            Assert.AreEqual(5000L, rig.Server.PayloadBytesServed, "no byte was downloaded twice");
            bool resumed = rig.Engine.Status.Statistics.Resumes >= 1;
            Assert.IsTrue(resumed);
            bool ranged = rig.Server.RangedOpens >= 2;
            Assert.IsTrue(ranged);
            Assert.IsTrue(rig.Engine.Status.Statistics.BytesRehashed >= 5000, "bytes on flash are re-hashed, never trusted");
        }

        [TestMethod]
        public void Download_ResumedPrefixCorruptedOnFlash_FileDownloadedAgainFromZero()
        {
            UpdateRig rig = UpdateRig.Booted(45);
            TestBundle release = rig.Release("1.1.0", 3, new int[] { 3750 });
            string url = rig.Publish(release, "1.1.0");
            rig.Offer(url);
            rig.Run(true, 2);
            string path = SlotLayout.Path(SlotLayout.SlotB, "Sensor.App.pe");
            rig.Corrupt(path, 10, 0x40);

            rig.Boot();
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            CollectionAssert.AreEqual(release.Payloads[0], rig.Flash.Snapshot(path));
        }

        [TestMethod]
        public void Download_FullLengthFileCorruptedBeforeResume_FetchedAgain()
        {
            UpdateRig rig = UpdateRig.Booted(47);
            TestBundle release = rig.Release("1.1.0", 3, new int[] { 2100, 900 });
            rig.Offer(rig.Publish(release, "1.1.0"));
            string path = SlotLayout.Path(SlotLayout.SlotB, "Sensor.App.pe");
            long length = 0;
            for (int step = 0; step < 100 && length < 2100; step++)
            {
                rig.Run(true, 1);
                rig.Flash.Length(path, out length);
            }

            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Downloading, (int)state);
            rig.Corrupt(path, 2000, 0x10);
            rig.Boot();
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            CollectionAssert.AreEqual(release.Payloads[0], rig.Flash.Snapshot(path));
        }

        [TestMethod]
        public void Download_FlashReadsBackOtherBytes_DownloadedAgainThenStorageFailed()
        {
            // Before the limit this device fetched the file again every few seconds for ever (1.5 MB in 84 minutes here).
            UpdateRig rig = UpdateRig.Booted(48);
            FaultyFileStore flash = new FaultyFileStore(rig.Flash);
            rig.Boot(flash);
            flash.FlipReadsPrefix = SlotLayout.Path(SlotLayout.SlotB, "Sensor.App.pe");
            string url = rig.Publish(rig.Release("1.1.0", 3, new int[] { 900 }), "1.1.0");
            for (int offer = 1; offer <= 2; offer++)
            {
                rig.Offer(url);
                rig.Run(true, 1000);
                Assert.AreEqual((int)UpdateOutcome.StorageFailed, (int)rig.Engine.Status.LastOutcome);
                Assert.AreEqual((int)UpdateState.Idle, (int)rig.Journal.Current.State);
                Assert.AreEqual("flash read-back: hash-mismatch", rig.Engine.Status.LastDetail);
                Assert.AreEqual(offer * UpdateEngine.MaxReadBackFailures * 900L, rig.Server.PayloadBytesServed);
            }
        }

        [TestMethod]
        public void Download_DocumentsSwappedBeforeResume_AbandonedNotResumed()
        {
            UpdateRig rig = UpdateRig.Booted(49);
            TestBundle release = rig.Release("1.1.0", 3, new int[] { 3750 });
            rig.Offer(rig.Publish(release, "1.1.0"));
            rig.Run(true, 2);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Downloading, (int)state);
            // Another validly signed bundle, whole, in the candidate slot.
            UpdateRig.Install(rig.Flash, SlotLayout.SlotB, rig.Release("1.1.1", 3, new int[] { 100 }));
            long served = rig.Server.PayloadBytesServed;
            rig.Boot();
            rig.Run(true, 20);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.StorageFailed, outcome);
            state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
            // Refused before resuming: no file of the slot was read back or fetched.
            Assert.AreEqual(0L, rig.Engine.Status.Statistics.BytesRehashed);
            Assert.AreEqual(served, rig.Server.PayloadBytesServed);
        }

        [TestMethod]
        public void Download_ServerIgnoresRange_RestartsTheFileFromZero()
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(46)), 12);
            TestBundle release = rig.Release();
            rig.Server.IgnoreRange = true;
            rig.Server.CutNextAfter = -1;
            rig.Boot();
            string url = rig.Publish(release, "1.1.0");
            rig.Offer(url);
            rig.Run(true, 1);
            rig.Server.CutNextAfter = 250;
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            bool ranged = rig.Server.RangedOpens >= 1;
            Assert.IsTrue(ranged);
        }

        [TestMethod]
        public void Download_ServerUnreachable_BacksOffThenGivesUp()
        {
            UpdateRig rig = UpdateRig.Booted(47);
            string url = rig.Publish(rig.Release(), "1.1.0");
            rig.Server.FailOpens = 1000;
            long start = rig.NowMs;
            int writes = rig.Flash.MutationCount;
            rig.Offer(url);
            rig.Run(true, 1000);
            int opens = rig.Server.Opens;
            Assert.AreEqual(RetrySchedule.MaxFailures, opens);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.DownloadFailed, outcome);
            UpdateState state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
            Assert.AreEqual(writes, rig.Flash.MutationCount, "a failed fetch of the documents writes nothing");
            Assert.IsTrue(rig.NowMs - start >= (RetrySchedule.MaxFailures - 1) * RetrySchedule.RetryFloorMs, "retries are spaced");
            rig.Server.FailOpens = 1000;
            rig.Offer(url);
            rig.Run(true, 1000);
            Assert.AreEqual(2 * RetrySchedule.MaxFailures, rig.Server.Opens, "a new offer gets every attempt again");
        }

        [TestMethod]
        public void Download_FileMissingOnServer_AbandonedAndActiveUntouched()
        {
            UpdateRig rig = UpdateRig.Booted(48);
            string url = rig.Publish(rig.Release(), "1.1.0");
            rig.Server.Remove(url + "Sensor.Lib.pe");
            rig.Offer(url);
            rig.Run(true, 1000);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.DownloadFailed, outcome);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
            outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.DownloadFailed, outcome);
            Assert.IsNull(rig.Engine.Status.Candidate);
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)decision);
        }

        [TestMethod]
        public void Download_FlashFull_StorageFailedAndActiveUntouched()
        {
            UpdateRig rig = UpdateRig.Booted(49);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            rig.Boot(faulty);
            faulty.FailPrefix = "app/b/Sensor.Lib";
            faulty.FailWith = StorageStatus.Full;
            rig.Offer(rig.Publish(rig.Release(), "1.1.0"));
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.StorageFailed, outcome);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void Rollback_CandidateNeverConfirms_RevertedAfterThreeBoots()
        {
            UpdateRig rig = UpdateRig.Booted(50);
            string url = rig.Publish(rig.Release(), "1.1.0");
            rig.Offer(url);
            rig.Run(true, 200);
            for (int boot = 1; boot <= BootPlanner.DefaultMaxTestBoots; boot++)
            {
                // Each test boot crashes before it is healthy (an unclean reset, no reboot request).
                rig.Boot();
                Assert.AreEqual("1.1.0", rig.Running, "test boot " + boot.ToString());
                int testBoots = rig.Journal.Current.TestBoots;
                Assert.AreEqual(boot, testBoots);
                rig.Run(false, 1);
                bool rebootRequested = rig.Engine.Status.RebootRequested;
                Assert.IsFalse(rebootRequested);
            }

            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertBootLimit, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedBootLimit, outcome);
            Assert.AreEqual(2L, rig.Journal.Current.SecurityFloor, "a reverted candidate never raises the floor");
            int activeSlot = rig.Journal.Current.ActiveSlot;
            Assert.AreEqual(SlotLayout.SlotA, activeSlot);

            // The reverted device still takes offers, but not this bundle again.
            outcome = (int)rig.Offer(url);
            Assert.AreEqual((int)UpdateOutcome.None, outcome);
            rig.Run(true, 50);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.KnownBad, outcome);
            TestBundle fixedRelease = rig.Release("1.1.1", 3, new int[] { 30 });
            rig.Offer(rig.Publish(fixedRelease, "1.1.1"));
            rig.Run(true, 200);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
        }

        [TestMethod]
        public void Rollback_CandidateNotHealthyInTime_RevertsWithRebootRequest()
        {
            UpdateRig rig = UpdateRig.Booted(51);
            rig.Stage(rig.Release());
            rig.Boot();
            rig.Run(false, 100);
            bool rebootRequested = rig.Engine.Status.RebootRequested;
            Assert.IsTrue(rebootRequested);
            BootReason reason = rig.Engine.Status.RebootReason;
            Assert.AreEqual((int)BootReason.Revert, (int)reason);
            bool timedOut = rig.NowMs >= Probation.DefaultTimeoutMs;
            Assert.IsTrue(timedOut);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedTimeout, outcome);
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedTimeout, outcome);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(2L, floor);
        }

        [TestMethod]
        public void Rollback_CandidateFailsToStart_RevertedThenRebootsIntoTheActiveSlot()
        {
            // Its assemblies are in the process already: the active slot is loaded only after a reboot, never beside them.
            TestRandom random = new TestRandom(52);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 18);
            rig.FailingVersion = "1.1.0";
            rig.Boot();
            rig.Stage(rig.Release());
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.RebootRequired, (int)result);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertLoadFailed, (int)decision);
            Assert.IsNull(rig.Running);
            rig.Boot();
            BootReason reason = rig.Session.Tracker.Reason;
            Assert.AreEqual((int)BootReason.Revert, (int)reason);
            Assert.AreEqual("1.0.0", rig.Running);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedAppFailed, outcome);
        }

        [TestMethod]
        public void Rollback_ApplicationFailsWhileTesting_Reverted()
        {
            UpdateRig rig = UpdateRig.Booted(53);
            rig.Stage(rig.Release());
            rig.Boot();
            rig.Engine.OnApplicationFailed();
            bool rebootRequested = rig.Engine.Status.RebootRequested;
            Assert.IsTrue(rebootRequested);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedAppFailed, outcome);
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void Offer_WhileTestingOrTooSoon_BusyWithoutFlashWrites()
        {
            UpdateRig rig = UpdateRig.Booted(54);
            string url = rig.Publish(rig.Release(), "1.1.0");
            byte[] offer = TestBytes.Utf8("{\"url\":\"" + url + "\"}");
            int outcome = (int)rig.Engine.Offer(offer, 0, offer.Length, 100000);
            Assert.AreEqual((int)UpdateOutcome.None, outcome);
            Assert.AreEqual((int)UpdateOutcome.None, (int)rig.Engine.Offer(offer, 0, offer.Length, 100001), "a repeat of the offer in progress is not an error");
            string otherUrl = "https://updates.example/other/";
            byte[] other = TestBytes.Utf8("{\"url\":\"" + otherUrl + "\"}");
            outcome = (int)rig.Engine.Offer(other, 0, other.Length, 100002);
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            rig.NowMs = 100003;
            rig.Run(true, 200);
            rig.Boot();
            int writes = rig.Flash.MutationCount;
            outcome = (int)rig.Offer(url);
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            outcome = (int)rig.Offer(otherUrl);
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            int writesAfter = rig.Flash.MutationCount;
            Assert.AreEqual(writes, writesAfter);
            int rejected = rig.Engine.Status.Statistics.OffersRejected;
            Assert.AreEqual(2, rejected);
        }

        [TestMethod]
        public void Offer_Malformed_RefusedWithoutAnyWork()
        {
            TestRandom random = new TestRandom(55);
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(random), 21);
            rig.Boot();
            int writes = rig.Flash.MutationCount;
            byte[] offer = TestBytes.Utf8("{\"url\":\"http://updates.example/x/\"}");
            int outcome = (int)rig.Engine.Offer(offer, 0, offer.Length, 0);
            Assert.AreEqual((int)UpdateOutcome.MalformedOffer, outcome);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.MalformedOffer, outcome);
            int opens = rig.Server.Opens;
            Assert.AreEqual(0, opens);
            int writesAfter = rig.Flash.MutationCount;
            Assert.AreEqual(writes, writesAfter);
        }

        [TestMethod]
        public void Offer_Oversized_ReportedTooLargeNotInvalid()
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(56)), 22);
            rig.Boot();
            byte[] offer = new byte[UpdateOfferParser.MaxPayloadBytes + 1];
            int outcome = (int)rig.Engine.Offer(offer, 0, offer.Length, 0);
            Assert.AreEqual((int)UpdateOutcome.MalformedOffer, outcome);
            string detail = rig.Engine.Status.LastDetail;
            Assert.IsTrue(detail.IndexOf("too large") >= 0, detail);
        }

        [TestMethod]
        public void Offer_PinnedDigestDiffers_OfferMismatchNothingWritten()
        {
            UpdateRig rig = UpdateRig.Booted(56);
            string url = rig.Publish(rig.Release(), "1.1.0");
            int writes = rig.Flash.MutationCount;
            byte[] offer = TestBytes.Utf8("{\"url\":\"" + url + "\",\"manifestSha256\":\"" + new string('a', 64) + "\"}");
            int outcome = (int)rig.Engine.Offer(offer, 0, offer.Length, 0);
            Assert.AreEqual((int)UpdateOutcome.None, outcome);
            rig.Run(true, 50);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.OfferMismatch, outcome);
            int writesAfter = rig.Flash.MutationCount;
            Assert.AreEqual(writes, writesAfter);
        }

        [TestMethod]
        public void Offer_PinnedDigestMatches_Installs()
        {
            UpdateRig rig = UpdateRig.Booted(57);
            TestBundle release = rig.Release();
            string url = rig.Publish(release, "1.1.0");
            byte[] digest = new byte[32];
            byte[] manifest = release.Manifest();
            new SecureDevice.Core.Crypto.Sha256().Hash(manifest, 0, manifest.Length, digest, 0);
            byte[] offer = TestBytes.Utf8("{\"manifestSha256\":\"" + SecureDevice.Core.Text.Hex.Encode(digest, 0, 32) + "\",\"url\":\"" + url + "\"}");
            int outcome = (int)rig.Engine.Offer(offer, 0, offer.Length, 0);
            Assert.AreEqual((int)UpdateOutcome.None, outcome);
            rig.Run(true, 200);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
        }

        [TestMethod]
        public void Offer_NewOfferDuringDownload_SupersedesIt()
        {
            UpdateRig rig = UpdateRig.Booted(58);
            string first = rig.Publish(rig.Release("1.1.0", 3, new int[] { 5625 }), "1.1.0");
            string second = rig.Publish(rig.Release("1.2.0", 3, new int[] { 63 }), "1.2.0");
            rig.Offer(first);
            rig.Run(true, 2);
            UpdateState state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.Downloading, (int)state);
            Assert.IsTrue(rig.Server.IsOpen);
            int outcome = (int)rig.Offer(second);
            Assert.AreEqual((int)UpdateOutcome.None, outcome);
            Assert.IsFalse(rig.Server.IsOpen, "closed at the offer");
            rig.Run(true, 200);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            string candidate = rig.Engine.Status.Candidate.Version.ToString();
            Assert.AreEqual("1.2.0", candidate);
            string path = SlotLayout.Path(SlotLayout.SlotB, "Sensor.App.pe");
            bool firstDownloadKept = rig.Flash.Exists(path) && rig.Flash.Snapshot(path).Length == 5625;
            Assert.IsFalse(firstDownloadKept);
            rig.Boot();
            Assert.AreEqual("1.2.0", rig.Running);
        }

        [TestMethod]
        public void Offer_RejectedOfferDuringDownload_OldDownloadGoesOn()
        {
            UpdateRig rig = UpdateRig.Booted(59);
            string first = rig.Publish(rig.Release("1.1.0", 3, new int[] { 5625 }), "1.1.0");
            rig.Offer(first);
            rig.Run(true, 2);
            TestBundle wrong = rig.Release("1.3.0", 3, new int[] { 7 });
            wrong.Product = "camera";
            rig.Offer(rig.Publish(wrong, "wrong"));
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
            string candidate = rig.Engine.Status.Candidate.Version.ToString();
            Assert.AreEqual("1.1.0", candidate);
        }

        [TestMethod]
        public void Offer_TimeNotSynchronised_WaitsThenRefusesTimeUnknown()
        {
            UpdateRig rig = UpdateRig.Booted(60);
            rig.Utc = -1;
            rig.Offer(rig.Publish(rig.Release(), "1.1.0"));
            rig.Run(true, 10);
            Assert.AreEqual((int)UpdateState.Offered, (int)rig.Engine.Status.State, "waits for time");
            rig.Run(true, 1000);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(BundleStatus.TimeUnknown), outcome);
        }

        [TestMethod]
        public void Offer_TimeArrivesWhileWaiting_Installs()
        {
            UpdateRig rig = UpdateRig.Booted(61);
            rig.Utc = -1;
            rig.Offer(rig.Publish(rig.Release(), "1.1.0"));
            rig.Run(true, 3);
            rig.Utc = TestBundle.Now;
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
        }

        [TestMethod]
        public void Revocation_StagedBundleRevokesKey_PersistedAndEnforced()
        {
            UpdateRig rig = UpdateRig.Booted(62);
            TestBundle release = rig.Release();
            release.Revokes = "\"old-build-key\"";
            rig.Offer(rig.Publish(release, "1.1.0"));
            rig.Run(true, 200);
            rig.BootAndConfirm();
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);

            TestBundle signedByRevoked = rig.Release("1.2.0", 3, new int[] { 7 });
            signedByRevoked.KeyId = "old-build-key";
            rig.Offer(rig.Publish(signedByRevoked, "revoked"));
            rig.Run(true, 50);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(BundleStatus.KeyRevoked), outcome);
        }

        [TestMethod]
        public void Construct_OneArgumentNull_ThrowsArgumentNull()
        {
            UpdateRig rig = UpdateRig.Booted(64);
            for (int i = 0; i < 7; i++)
            {
                Assert.AreEqual("null store", Construct(rig, i, 64), "argument " + i.ToString());
            }
        }

        [TestMethod]
        public void Construct_ChunkOutsideLimits_ThrowsOutOfRange()
        {
            UpdateRig rig = UpdateRig.Booted(65);
            Assert.AreEqual("range chunk", Construct(rig, -1, 63));
            Assert.AreEqual("range chunk", Construct(rig, -1, UpdateEngine.ChunkBytes + 1));
            Assert.AreEqual("made", Construct(rig, -1, 64));
            Assert.AreEqual("made", Construct(rig, -1, UpdateEngine.ChunkBytes));
        }

        // An engine over the rig's parts with argument nullArgument (0-6, -1 for none) null and a chunk of chunkBytes: how it ended.
        private static string Construct(UpdateRig rig, int nullArgument, int chunkBytes)
        {
            try
            {
                UpdateEngine made = new UpdateEngine(
                    nullArgument == 0 ? null : rig.Store,
                    nullArgument == 1 ? null : rig.Journal,
                    nullArgument == 2 ? null : rig.Slots,
                    nullArgument == 3 ? null : rig.Stack.Revocations,
                    nullArgument == 4 ? null : rig.Server,
                    nullArgument == 5 ? null : new InstallContext(),
                    nullArgument == 6 ? null : new byte[chunkBytes]);
                return made.Status == null ? "no status" : "made";
            }
            catch (System.ArgumentNullException e)
            {
                return "null " + e.ParamName;
            }
            catch (System.ArgumentOutOfRangeException e)
            {
                return "range " + e.ParamName;
            }
        }

        [TestMethod]
        public void Probation_EngineMadeLateWithShortTimeout_CountsFromItsStart()
        {
            UpdateRig rig = UpdateRig.Booted(66);
            rig.Stage(rig.Release());
            rig.Options.TestTimeoutMs = 5000;
            rig.Boot();
            UpdateEngine engine = rig.Stack.CreateEngine(rig.Server, "sensor", "esp32-devkitc", rig.Plan, 500000);
            Assert.AreEqual(5000L, engine.TestTimeoutMs);
            StepInput input = new StepInput();
            Assert.AreEqual(1L, engine.Step(input.Set(504999, TestBundle.Now, true, 1), false));
            engine.Step(input.Set(505000, TestBundle.Now, true, 1), false);
            Assert.AreEqual("candidate 1.1.0 reverted:timeout", engine.Status.LastDetail);
        }

        [TestMethod]
        public void Offer_SpacingSetAndOfferEndedUnwritten_CountedAndNextTooSoon()
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(67)), 67);
            rig.Options.OfferSpacingMs = 30000;
            rig.Boot();
            UpdateEngine engine = rig.Engine;
            Assert.AreEqual(30000L, engine.OfferSpacingMs);
            string url = rig.Publish(rig.Release(), "1.1.0");
            byte[] pinned = TestBytes.Utf8("{\"url\":\"" + url + "\",\"manifestSha256\":\"" + new string('a', 64) + "\"}");
            int events = engine.Status.EventSequence;
            rig.NowMs = 1000;
            engine.Offer(pinned, 0, pinned.Length, 1000);
            Assert.AreEqual(events + 1, engine.Status.EventSequence);
            Assert.AreEqual(long.MaxValue, rig.RunUntil(UpdateState.Idle, 100));
            Assert.AreEqual((int)UpdateOutcome.OfferMismatch, (int)engine.Status.LastOutcome);
            Assert.AreEqual(1, engine.Status.Statistics.OffersRejected);
            int outcome = (int)engine.Offer(pinned, 0, pinned.Length, 30999);
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            Assert.AreEqual("offers arrive faster than one per 30 s", engine.Status.LastDetail);
            Assert.AreEqual(2, engine.Status.Statistics.OffersReceived);
        }

        [TestMethod]
        public void Step_NetworkDownOrRetryNotDue_WaitsWithoutOpening()
        {
            UpdateRig rig = UpdateRig.Booted(68);
            rig.Server.FailOpens = 1;
            rig.Offer(rig.Publish(rig.Release(), "1.1.0"));
            UpdateEngine engine = rig.Engine;
            StepInput input = new StepInput();
            long now = rig.NowMs;
            Assert.AreEqual(1000L, engine.Step(input.Set(now, rig.Utc, false, 1), true));
            Assert.AreEqual(0, rig.Server.Opens);
            long wait = engine.Step(input.Set(now, rig.Utc, true, 1), true);
            Assert.AreEqual(wait - 1, engine.Step(input.Set(now + 1, rig.Utc, true, 1), true));
            Assert.AreEqual(1, rig.Server.Opens);
            rig.NowMs = now + wait;
            int before = 0;
            for (int i = 0; i < 50 && engine.Status.State == UpdateState.Offered; i++)
            {
                before = engine.Status.EventSequence;
                rig.Run(true, 1);
            }

            Assert.AreEqual((int)UpdateState.Downloading, (int)engine.Status.State);
            Assert.AreEqual(before + 1, engine.Status.EventSequence, "one event as the download begins");
        }

        [TestMethod]
        public void Confirm_JournalCannotBeSaved_RetriedEverySecondUntilSaved()
        {
            UpdateRig rig = UpdateRig.Booted(69);
            rig.Stage(rig.Release());
            FaultyFileStore flash = new FaultyFileStore(rig.Flash);
            rig.Boot(flash);
            flash.FailPrefix = JournalStore.Path;
            StepInput input = new StepInput();
            Assert.AreEqual(Probation.ConfirmRetryMs, rig.Engine.Step(input.Set(0, rig.Utc, true, 1), true));
            flash.FailPrefix = null;
            Assert.AreEqual(long.MaxValue, rig.Engine.Step(input.Set(1000, rig.Utc, true, 1), true));
            Assert.AreEqual((int)UpdateOutcome.Confirmed, (int)rig.Journal.Current.LastOutcome);
        }

        [TestMethod]
        public void Download_SlotCannotTakeTheDocuments_StorageFailedSavedOnce()
        {
            UpdateRig rig = UpdateRig.Booted(70);
            FaultyFileStore flash = new FaultyFileStore(rig.Flash);
            rig.Boot(flash);
            flash.FailPrefix = SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Manifest);
            string url = rig.Publish(rig.Release(), "1.1.0");
            rig.Offer(url);
            rig.Run(true, 100);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Engine.Status.State);
            Assert.AreEqual((int)UpdateOutcome.StorageFailed, (int)rig.Journal.Current.LastOutcome);
            int writes = rig.Flash.MutationCount;
            rig.Offer(url);
            rig.Run(true, 100);
            Assert.AreEqual((int)UpdateOutcome.StorageFailed, (int)rig.Engine.Status.LastOutcome);
            Assert.AreEqual(writes, rig.Flash.MutationCount, "the same outcome is not saved again");
        }

        [TestMethod]
        public void Verify_FlashReadsBackWrongTwice_BacksOffLongerAndFetchesNothingAgain()
        {
            UpdateRig rig = UpdateRig.Booted(71);
            FaultyFileStore flash = new FaultyFileStore(rig.Flash);
            rig.Boot(flash);
            string app = SlotLayout.Path(SlotLayout.SlotB, "Sensor.App.pe");
            rig.Offer(rig.Publish(rig.Release(), "1.1.0"));
            rig.RunUntil(UpdateState.Verifying, 300);
            long served = rig.Server.PayloadBytesServed;
            flash.FlipReadsPrefix = app;
            rig.Run(true, 1);
            Assert.AreEqual((int)UpdateState.Downloading, (int)rig.Engine.Status.State);
            flash.FlipReadsPrefix = null;
            rig.RunUntil(UpdateState.Verifying, 300);
            flash.FlipReadsPrefix = app;
            long wait = rig.Engine.Step(new StepInput(rig.NowMs, rig.Utc, true, 9000), true);
            Assert.AreEqual(2 * RetrySchedule.RetryBaseMs, wait, "the second failure in a row");
            flash.FlipReadsPrefix = null;
            rig.Run(true, 300);
            Assert.AreEqual((int)UpdateOutcome.Staged, (int)rig.Engine.Status.LastOutcome);
            Assert.AreEqual(served, rig.Server.PayloadBytesServed);
        }

        [TestMethod]
        public void Stage_JournalCannotBeSaved_BacksOffWithoutRebootThenGivesUp()
        {
            UpdateRig rig = UpdateRig.Booted(72);
            FaultyFileStore flash = new FaultyFileStore(rig.Flash);
            rig.Boot(flash);
            rig.Offer(rig.Publish(rig.Release(), "1.1.0"));
            rig.RunUntil(UpdateState.Verifying, 300);
            flash.FailPrefix = JournalStore.Path;
            Assert.AreEqual(RetrySchedule.RetryBaseMs, rig.Engine.Step(new StepInput(rig.NowMs, rig.Utc, true, 4000), true));
            Assert.IsFalse(rig.Engine.Status.RebootRequested);
            Assert.AreEqual("saving the journal", rig.Engine.Status.LastDetail);
            rig.Run(true, 300);
            Assert.AreEqual((int)UpdateOutcome.DownloadFailed, (int)rig.Engine.Status.LastOutcome);
        }

        [TestMethod]
        public void Start_AgainOnTheSameEngine_ForgetsTheOfferSpacingAndRetryWait()
        {
            UpdateRig rig = UpdateRig.Booted(73);
            rig.Offer(rig.Publish(rig.Release("1.1.0", 3, new int[] { 5625 }), "1.1.0"));
            rig.Run(true, 2);
            rig.Server.FailOpens = 1;
            string other = rig.Publish(rig.Release("1.2.0", 3, new int[] { 63 }), "1.2.0");
            rig.Offer(other);
            StepInput input = new StepInput(rig.NowMs, rig.Utc, true, 1);
            rig.Engine.Step(input, true);
            rig.Engine.Start(rig.NowMs, rig.Plan);
            Assert.AreEqual((int)UpdateState.Downloading, (int)rig.Engine.Status.State);
            int opens = rig.Server.Opens;
            rig.Engine.Step(input, true);
            Assert.AreEqual(opens + 1, rig.Server.Opens, "the download goes on at once");
            byte[] offer = TestBytes.Utf8("{\"url\":\"" + other + "\"}");
            Assert.AreEqual((int)UpdateOutcome.None, (int)rig.Engine.Offer(offer, 0, offer.Length, rig.NowMs));
        }

        [TestMethod]
        public void Offer_UnreachableDuringDownload_ResumedDownloadGetsEveryAttempt()
        {
            UpdateRig rig = UpdateRig.Booted(74);
            rig.Offer(rig.Publish(rig.Release("1.1.0", 3, new int[] { 5625 }), "1.1.0"));
            rig.Run(true, 2);
            rig.Server.FailOpens = 1000;
            rig.Offer(rig.Publish(rig.Release("1.2.0", 3, new int[] { 63 }), "1.2.0"));
            int opens = rig.Server.Opens;
            rig.Run(true, 1000);
            Assert.AreEqual(opens + (2 * RetrySchedule.MaxFailures), rig.Server.Opens);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Journal.Current.State);
        }
    }
}
