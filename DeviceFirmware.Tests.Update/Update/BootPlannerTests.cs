using nanoFramework.TestFramework;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    /// <summary>One test per row of the decision table in docs/update-engine.md.</summary>
    [TestClass]
    public class BootPlannerTests
    {
        [TestMethod]
        public void Plan_NoJournal_AdoptsVerifiedFactorySlotAndItsFloor()
        {
            TestRandom random = new TestRandom(70);
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(random), 1);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            int slot = rig.Plan.Slot;
            Assert.AreEqual(SlotLayout.SlotA, slot);
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsTrue(hasActive);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(2L, floor);
            string version = rig.Plan.ActiveVersion.ToString();
            Assert.AreEqual("1.0.0", version);
            rig.Boot();
            decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)decision);
        }

        [TestMethod]
        public void Plan_NoJournalTwoVerifiedSlots_AdoptsHigherSecurityVersion()
        {
            TestRandom random = new TestRandom(71);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 2);
            UpdateRig.Install(rig.Flash, SlotLayout.SlotB, rig.Release("0.9.0", 5, new int[] { 64 }));
            rig.Boot();
            int slot = rig.Plan.Slot;
            Assert.AreEqual(SlotLayout.SlotB, slot);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(5L, floor);
            Assert.AreEqual("0.9.0", rig.Running);
        }

        // Both slots verify and the journal is lost: the higher security version wins even against a higher version (no
        // rollback), then the higher version, then slot A.
        [TestMethod]
        [DataRow("1.1.0", 2, "1.0.0", 2, SlotLayout.SlotA)]
        [DataRow("1.0.0", 2, "1.1.0", 2, SlotLayout.SlotB)]
        [DataRow("1.0.0", 2, "1.0.0", 2, SlotLayout.SlotA)]
        [DataRow("1.0.0", 5, "1.1.0", 2, SlotLayout.SlotA)]
        public void Plan_NoJournalBothSlotsVerify_SecurityThenVersionThenSlotA(string versionA, int securityA, string versionB, int securityB, int expected)
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(88)), 88);
            UpdateRig.Install(rig.Flash, SlotLayout.SlotA, rig.Release(versionA, securityA, new int[] { 64 }));
            UpdateRig.Install(rig.Flash, SlotLayout.SlotB, rig.Release(versionB, securityB, new int[] { 80 }));
            rig.Boot();
            int slot = rig.Plan.Slot;
            Assert.AreEqual(expected, slot);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(expected == SlotLayout.SlotA ? securityA : securityB, floor);
            Assert.AreEqual(expected == SlotLayout.SlotA ? versionA : versionB, rig.Running);
        }

        [TestMethod]
        public void Plan_NoJournalAdoptedSlotUnreadableAtItsBootCheck_DroppedAsCorrupt()
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(95)), 95);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            // The signature reads back once (the choice of slot), then the flash fails (the check before booting it).
            faulty.FailReadsPrefix = SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Signature);
            faulty.FailReadsAfter = 1;
            rig.Boot(faulty);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            Assert.IsNull(rig.Running);
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsFalse(hasActive);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.ActiveCorrupt, outcome);
        }

        [TestMethod]
        public void Plan_NoJournalNothingVerifies_RunsWithoutApplication()
        {
            TestRandom random = new TestRandom(72);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 3);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Signature), 5, 1);
            rig.Boot();
            int slot = rig.Plan.Slot;
            Assert.AreEqual(-1, slot);
            // Nothing else sets these on this path: the plan's reset must leave them false.
            bool flagged = rig.Plan.Testing || rig.Plan.JournalSaveFailed;
            Assert.IsFalse(flagged);
            Assert.IsNull(rig.Running);
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsFalse(hasActive);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Engine.Status.State, "still takes updates");
        }

        [TestMethod]
        public void Plan_NoJournalUntrustedRoot_NothingBoots()
        {
            TestRandom random = new TestRandom(73);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 4);
            rig.Anchors = new TestBundle(random).Anchors();
            rig.Boot();
            int slot = rig.Plan.Slot;
            Assert.AreEqual(-1, slot);
        }

        // The attack the floor record (state/floor) closes: someone who can write the flash erases the journal and damages
        // the newer slot. The older bundle in the other slot is validly signed but below the confirmed floor: it is never
        // adopted, nothing boots, and the device waits for an update at or above the floor.
        [TestMethod]
        public void Plan_JournalErasedNewerSlotDamaged_OlderSlotNeverAdopted()
        {
            UpdateRig rig = Staged(97);
            rig.BootAndConfirm();
            rig.Flash.Delete(JournalStore.Path);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Signature), 5, 1);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            Assert.IsNull(rig.Running);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(3L, floor);
            BundleStatus status = rig.Plan.ActiveStatus;
            Assert.AreEqual((int)BundleStatus.SecurityVersionRollback, (int)status);
            // Row 1b: the older slot is not even chosen (then dropped), so nothing is written over the lost journal.
            int saves = rig.Journal.Saves;
            Assert.AreEqual(0, saves);
            UpdateState state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
        }

        // Row 1b is not the end: the device, running nothing, refuses a bundle below the floor (the floor record's, the
        // journal being lost) and takes one at the floor.
        [TestMethod]
        public void Plan_NoSlotAtOrAboveTheFloor_RefusesOlderTakesAnUpdateAtTheFloor()
        {
            UpdateRig rig = UpdateRig.Booted(102);
            string url = rig.Stage(rig.Release());
            rig.BootAndConfirm();
            rig.Flash.Delete(JournalStore.Path);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Signature), 5, 1);
            rig.Boot();
            Assert.IsNull(rig.Running);
            rig.Offer(rig.Publish(rig.Factory, "factory"));
            rig.Run(true, 500);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(BundleStatus.SecurityVersionRollback), outcome);
            rig.Offer(url);
            rig.Run(true, 500);
            rig.BootAndConfirm();
            Assert.AreEqual("1.1.0", rig.Running);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(3L, floor);
        }

        // The other record lost: the journal's floor holds and the boot raises the record back to it.
        [TestMethod]
        public void Plan_FloorRecordErased_JournalFloorHoldsRecordRepaired()
        {
            UpdateRig rig = Staged(99);
            rig.BootAndConfirm();
            rig.Flash.Delete(FloorStore.Path);
            rig.Boot();
            Assert.AreEqual("1.1.0", rig.Running);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(3L, floor);
            FloorStore record = new FloorStore(rig.Flash);
            bool found;
            record.Load(out found);
            floor = record.Floor;
            Assert.AreEqual(3L, floor);
        }

        // Flash wear: an ordinary boot writes no floor record (any attempt would fail here and be counted).
        [TestMethod]
        public void Plan_OrdinaryBoot_WritesNoFloorRecord()
        {
            UpdateRig rig = Installed(100);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailPrefix = FloorStore.Path;
            rig.Boot(faulty);
            Assert.AreEqual("1.0.0", rig.Running);
            Assert.AreEqual(0, faulty.Failures);
        }

        [TestMethod]
        public void Plan_IdleActiveManifestCorrupted_RunsWithoutApplicationReportsActiveCorrupt()
        {
            UpdateRig rig = Installed(74);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Manifest), 20, 0x20);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)decision);
            int slot = rig.Plan.Slot;
            Assert.AreEqual(-1, slot);
            BundleStatus status = rig.Plan.ActiveStatus;
            Assert.AreEqual((int)BundleStatus.ManifestSignatureInvalid, (int)status);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.ActiveCorrupt, outcome);
        }

        [TestMethod]
        public void Plan_IdleActivePayloadCorrupted_LoaderCatchesItInMemory()
        {
            UpdateRig rig = Installed(75);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, "Sensor.App.pe"), -1, 0x01);
            rig.Boot();
            Assert.IsNull(rig.Running);
            int slot = rig.Plan.Slot;
            Assert.AreEqual(-1, slot);
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsFalse(hasActive);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.ActiveCorrupt, outcome);
        }

        [TestMethod]
        public void Plan_IdleActiveReplacedByAnotherSignedBundle_SlotMismatch()
        {
            UpdateRig rig = UpdateRig.Booted(76);
            // Validly signed, same security version, but not the bundle the journal confirmed for this slot.
            UpdateRig.Install(rig.Flash, SlotLayout.SlotA, rig.Release("1.0.1", 2, new int[] { 80 }));
            rig.Boot();
            int slot = rig.Plan.Slot;
            Assert.AreEqual(-1, slot);
            BundleStatus status = rig.Plan.ActiveStatus;
            Assert.AreEqual((int)BundleStatus.SlotMismatch, (int)status);
        }

        [TestMethod]
        public void Plan_ActiveDroppedThenReadsBackIntact_StaysWithoutApplicationAndWritesNothing()
        {
            UpdateRig rig = Installed(89);
            string manifest = SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Manifest);
            rig.Corrupt(manifest, 20, 0x20);
            rig.Boot();
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsFalse(hasActive);
            // The flash gives the original bytes back (a passing fault): the journal no longer vouches for the slot.
            rig.Corrupt(manifest, 20, 0x20);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)decision);
            Assert.IsNull(rig.Running);
            BundleStatus notChecked = rig.Plan.ActiveStatus;
            Assert.AreEqual((int)BundleStatus.Verified, (int)notChecked);
            int saves = rig.Journal.Saves;
            Assert.AreEqual(0, saves, "a boot that changes nothing does not write the journal");
        }

        [TestMethod]
        [DataRow(0, (int)BootDecision.ResumeDownload)]
        [DataRow(BootPlanner.DefaultMaxResumeBoots, (int)BootDecision.AbandonDownload)]
        public void Plan_DownloadingAndActiveCorrupted_ActiveDroppedAsCorrupt(int resumeBoots, int expected)
        {
            UpdateRig rig = Installed(91);
            UpdateJournal downloading = new UpdateJournal();
            downloading.CopyFrom(rig.Journal.Current);
            downloading.ToDownloading(UpdateRig.BaseUrl, new byte[32]);
            downloading.ResumeBoots = resumeBoots;
            rig.Journal.Save(downloading);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Manifest), 20, 0x20);
            rig.Boot();
            int decision = (int)rig.Plan.Decision;
            Assert.AreEqual(expected, decision);
            Assert.IsNull(rig.Running);
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsFalse(hasActive);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.ActiveCorrupt, outcome);
        }

        [TestMethod]
        public void Plan_StagedCandidateVerifies_StartsTestWithOneBootCounted()
        {
            UpdateRig rig = Staged(77);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.StartTest, (int)decision);
            int slot = rig.Plan.Slot;
            Assert.AreEqual(SlotLayout.SlotB, slot);
            bool testing = rig.Plan.Testing;
            Assert.IsTrue(testing);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(1, testBoots);
        }

        [TestMethod]
        public void Plan_StagedCandidateCorrupted_RevertsCorrupt()
        {
            UpdateRig rig = Staged(78);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Delegation), 30, 0x02);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertCorrupt, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedCorrupt, outcome);
            bool candidateRefused = rig.Plan.CandidateStatus != BundleStatus.Verified;
            Assert.IsTrue(candidateRefused);
        }

        [TestMethod]
        public void Plan_StagedCandidateReplacedByAnotherSignedBundle_RevertsSlotMismatch()
        {
            UpdateRig rig = Staged(90);
            // Validly signed and newer, but not the bundle the journal staged.
            UpdateRig.Install(rig.Flash, SlotLayout.SlotB, rig.Release("1.2.0", 3, new int[] { 80 }));
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertCorrupt, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
            BundleStatus status = rig.Plan.CandidateStatus;
            Assert.AreEqual((int)BundleStatus.SlotMismatch, (int)status);
        }

        [TestMethod]
        public void Plan_StagedCandidatePayloadCorrupted_LoaderRevertsInSameBoot()
        {
            UpdateRig rig = Staged(79);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, "Sensor.Lib.pe"), 0, 0x80);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertLoadFailed, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedCorrupt, outcome);
            // The revert resets the plan: the journal was read, so it is not reported unreadable.
            bool unreadable = rig.Plan.JournalUnreadable;
            Assert.IsFalse(unreadable);
        }

        [TestMethod]
        public void Plan_TestingBelowLimit_ContinuesAndCountsTheBoot()
        {
            UpdateRig rig = Staged(80);
            rig.Boot();
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.ContinueTest, (int)decision);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(2, testBoots);
            Assert.AreEqual("1.1.0", rig.Running);
        }

        [TestMethod]
        public void Plan_TestingAtLimit_RevertsBootLimit()
        {
            UpdateRig rig = Staged(81);
            for (int i = 0; i < BootPlanner.DefaultMaxTestBoots; i++)
            {
                rig.Boot();
            }

            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertBootLimit, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(0, testBoots);
        }

        [TestMethod]
        public void Plan_CandidateBelowFloor_NeverBoots()
        {
            UpdateRig rig = Staged(82);
            // Someone raised the floor above the staged bundle (e.g. a journal from a newer confirmed image).
            UpdateJournal raised = new UpdateJournal();
            raised.CopyFrom(rig.Journal.Current);
            raised.SecurityFloor = 9;
            rig.Journal.Save(raised);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.RevertCorrupt, (int)decision);
            BundleStatus status = rig.Plan.CandidateStatus;
            Assert.AreEqual((int)BundleStatus.SecurityVersionRollback, (int)status);
            Assert.AreEqual(-1, rig.Plan.Slot, "the active 1.0.0 (security version 2) is below the floor too");
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsFalse(hasActive);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedCorrupt, outcome, "a revert's outcome is kept when the active slot is dropped too");
        }

        [TestMethod]
        public void Plan_DownloadingEveryBoot_AbandonedAfterLimit()
        {
            // The rig's 64-byte pieces, 16 per step, leave a 1,250-byte file unfinished after the first download step (a
            // 200 KB payload here once crashed nanoCLR with 512 KiB of heap).
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(83)), 83);
            rig.Boot();
            rig.Offer(rig.Publish(rig.Release("1.1.0", 3, new int[] { 1250 }), "big"));
            rig.Run(true, 2);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Downloading, (int)state);
            BootDecision decision;
            for (int i = 1; i <= BootPlanner.DefaultMaxResumeBoots; i++)
            {
                rig.Boot();
                decision = rig.Plan.Decision;
                Assert.AreEqual((int)BootDecision.ResumeDownload, (int)decision);
                int resumeBoots = rig.Journal.Current.ResumeBoots;
                Assert.AreEqual(i, resumeBoots);
            }

            rig.Boot();
            decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AbandonDownload, (int)decision);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.DownloadFailed, outcome);
            state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.Idle, (int)state);
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void Plan_JournalSaveFailsAtStartTest_BootsActiveInstead()
        {
            UpdateRig rig = Staged(84);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailPrefix = JournalStore.Path;
            rig.Boot(faulty);
            bool saveFailed = rig.Plan.JournalSaveFailed;
            Assert.IsTrue(saveFailed);
            Assert.IsFalse(rig.Plan.Testing, "a candidate never boots without its test boot on flash");
            Assert.AreEqual("1.0.0", rig.Running);
            BootDecision fallback = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)fallback);
            UpdateState state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.WaitingForReboot, (int)state);
            int outcome = (int)rig.Offer("https://updates.example/x/");
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.StartTest, (int)decision);
        }

        [TestMethod]
        public void Plan_JournalSaveFailsAtContinueTest_ActiveRunsAndNothingIsConfirmed()
        {
            UpdateRig rig = Staged(87);
            rig.Boot();
            bool testing = rig.Plan.Testing;
            Assert.IsTrue(testing);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailPrefix = JournalStore.Path;
            rig.Boot(faulty);
            bool saveFailed = rig.Plan.JournalSaveFailed;
            Assert.IsTrue(saveFailed);
            Assert.AreEqual("1.0.0", rig.Running);

            // The candidate is not running this boot: a healthy 1.0.0 must not confirm it, and offers wait for the next boot.
            rig.Run(true, 20);
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Testing, (int)state);
            int activeSlot = rig.Journal.Current.ActiveSlot;
            Assert.AreEqual(SlotLayout.SlotA, activeSlot);
            int outcome = (int)rig.Offer("https://updates.example/x/");
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            faulty.FailPrefix = null;
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.ContinueTest, (int)decision);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(2, testBoots);
        }

        [TestMethod]
        public void Plan_JournalUnreadable_AdoptsAndReturnsTheReadFailure()
        {
            UpdateRig rig = Installed(92);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailReadsPrefix = JournalStore.Path;
            UpdateStack stack = new UpdateStack(faulty, rig.Anchors, rig.Options);
            BootPlan plan = new BootPlan();
            StorageStatus status = stack.Planner.Plan(plan);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            BootDecision decision = plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            Assert.AreEqual(SlotLayout.SlotA, plan.Slot);
            bool unreadable = plan.JournalUnreadable;
            Assert.IsTrue(unreadable);
            bool saveFailed = plan.JournalSaveFailed;
            Assert.IsTrue(saveFailed);
            int saves = stack.Journal.Saves;
            Assert.AreEqual(0, saves);
        }

        // Neither record read: no floor is known, so even the verified slot is not run (it might be an older bundle put
        // there while the newer slot was damaged); nothing is written, and the next boot that reads them boots as before.
        [TestMethod]
        public void Plan_JournalAndFloorRecordUnreadable_NothingRunsNothingWritten()
        {
            UpdateRig rig = Installed(99);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailReadsPrefix = "state/";
            UpdateStack stack = new UpdateStack(faulty, rig.Anchors, rig.Options);
            BootPlan plan = new BootPlan();
            stack.Planner.Plan(plan);
            int slot = plan.Slot;
            Assert.AreEqual(-1, slot);
            int saves = stack.Journal.Saves;
            Assert.AreEqual(0, saves);

            faulty.FailReadsPrefix = null;
            stack.Planner.Plan(plan);
            slot = plan.Slot;
            Assert.AreEqual(SlotLayout.SlotA, slot);
        }

        // The corner where nothing is saved: the journal unreadable and no slot verifies, so the adoption equals the empty
        // journal and only the read status tells the boot that the journal was not read.
        [TestMethod]
        public void Plan_JournalUnreadableNothingVerifies_ReturnsTheReadFailure()
        {
            UpdateRig rig = Installed(98);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Signature), 5, 1);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailReadsPrefix = JournalStore.Path;
            UpdateStack stack = new UpdateStack(faulty, rig.Anchors, rig.Options);
            BootPlan plan = new BootPlan();
            StorageStatus status = stack.Planner.Plan(plan);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(-1, plan.Slot);
            int saves = stack.Journal.Saves;
            Assert.AreEqual(0, saves);
        }

        // A reading fault hid the journal of a candidate under test for one boot: the boot adopts in memory only, writes
        // nothing over the unread journal, takes no offer (preparing a slot from the empty journal could empty the running
        // one), and the next boot finds the test where it was. Saving the adoption would confirm the candidate unproven.
        [TestMethod]
        public void Plan_JournalUnreadableWhileTesting_NothingWrittenNoOfferNextBootContinuesTheTest()
        {
            UpdateRig rig = Staged(96);
            rig.Boot();
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailReadsPrefix = JournalStore.Path;
            rig.Boot(faulty);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            bool unreadable = rig.Plan.JournalUnreadable;
            Assert.IsTrue(unreadable);
            UpdateState state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.WaitingForReboot, (int)state);
            int outcome = (int)rig.Offer("https://updates.example/x/");
            Assert.AreEqual((int)UpdateOutcome.Busy, outcome);
            int saves = rig.Journal.Saves;
            Assert.AreEqual(0, saves);

            faulty.FailReadsPrefix = null;
            rig.Boot();
            decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.ContinueTest, (int)decision);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(2, testBoots);
            Assert.AreEqual("1.1.0", rig.Running);
        }

        // The floor record unreadable (a reading fault) fails the load as an unreadable journal does: nothing is written
        // over either record, no offer is taken, and the next boot finds the test where it was.
        [TestMethod]
        public void Plan_FloorRecordUnreadableWhileTesting_NothingWrittenNextBootContinuesTheTest()
        {
            UpdateRig rig = Staged(101);
            rig.Boot();
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailReadsPrefix = FloorStore.Path;
            rig.Boot(faulty);
            bool unreadable = rig.Plan.JournalUnreadable;
            Assert.IsTrue(unreadable);
            UpdateState state = rig.Engine.Status.State;
            Assert.AreEqual((int)UpdateState.WaitingForReboot, (int)state);
            int saves = rig.Journal.Saves;
            Assert.AreEqual(0, saves);

            faulty.FailReadsPrefix = null;
            rig.Boot();
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.ContinueTest, (int)decision);
            int testBoots = rig.Journal.Current.TestBoots;
            Assert.AreEqual(2, testBoots);
        }

        [TestMethod]
        public void OnLoadFailed_AfterThePlansSaveFailed_SavesOnlyItsOwnTransition()
        {
            UpdateRig rig = Installed(93);
            UpdateJournal downloading = new UpdateJournal();
            downloading.CopyFrom(rig.Journal.Current);
            downloading.ToDownloading(UpdateRig.BaseUrl, new byte[32]);
            rig.Journal.Save(downloading);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailPrefix = JournalStore.Path;
            UpdateStack stack = new UpdateStack(faulty, rig.Anchors, rig.Options);
            BootPlan plan = new BootPlan();
            StorageStatus status = stack.Planner.Plan(plan);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status, "the resume boot could not be counted");

            // The flash takes writes again; the loader finds the active payload corrupt in memory.
            faulty.FailPrefix = null;
            status = stack.Planner.OnLoadFailed(plan, UpdateOutcome.RevertedCorrupt);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            UpdateJournal saved = stack.Journal.Current;
            Assert.IsFalse(saved.HasActive);
            Assert.AreEqual(0, saved.ResumeBoots, "the plan's unsaved resume boot is not slipped in");
            Assert.AreEqual((int)UpdateState.Downloading, (int)saved.State);
        }

        [TestMethod]
        public void Constructor_NullPart_ThrowsNamingIt()
        {
            UpdateRig rig = Installed(94);
            string journal = ThrownArgument.Name(() => new BootPlanner(null, rig.Slots));
            Assert.AreEqual("journal", journal);
            string slots = ThrownArgument.Name(() => new BootPlanner(rig.Journal, null));
            Assert.AreEqual("slots", slots);
        }

        [TestMethod]
        public void Plan_JournalOfUnknownFormat_TreatedAsMissing()
        {
            UpdateRig rig = Installed(85);
            RecordStore raw = new RecordStore(rig.Flash, JournalStore.Path, 8);
            bool found;
            raw.Load(out found);
            raw.Save(new byte[] { 2, 0, 1, 0, 0, 0, 0, 0 }, 0, 8);
            rig.Boot();
            bool missing = rig.Planner.JournalMissing;
            Assert.IsTrue(missing);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)decision);
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void OnLoadFailed_WrongOutcome_ThrowsNamingTheAllowedOnes()
        {
            UpdateRig rig = Installed(86);
            System.Action failedAsConfirmed = () => rig.Planner.OnLoadFailed(rig.Plan, UpdateOutcome.Confirmed);
            Assert.ThrowsException(typeof(System.ArgumentException), failedAsConfirmed);
            Assert.AreEqual("outcome", ThrownArgument.Name(failedAsConfirmed));
            string message = string.Empty;
            try
            {
                failedAsConfirmed();
            }
            catch (System.ArgumentException e)
            {
                message = e.Message;
            }

            bool namesTheAllowed = message.IndexOf("RevertedCorrupt, RevertedAppFailed or RevertedNoMemory") >= 0;
            Assert.IsTrue(namesTheAllowed, message);
        }

        // A device that adopted its factory image (1.0.0) and has a journal.
        private static UpdateRig Installed(uint seed)
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(seed)), seed);
            rig.Boot();
            return rig;
        }

        // A device with 1.1.0 downloaded and staged in slot B, not yet rebooted.
        private static UpdateRig Staged(uint seed)
        {
            TestRandom random = new TestRandom(seed);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, seed);
            rig.Boot();
            rig.Stage(rig.Release());
            UpdateState state = rig.Journal.Current.State;
            Assert.AreEqual((int)UpdateState.Staged, (int)state);
            return rig;
        }
    }
}
