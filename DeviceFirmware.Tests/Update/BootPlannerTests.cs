using nanoFramework.TestFramework;
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
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)rig.Plan.Decision);
            Assert.AreEqual(SlotLayout.SlotA, rig.Plan.Slot);
            Assert.IsTrue(rig.Journal.Current.HasActive);
            Assert.AreEqual(2L, rig.Journal.Current.SecurityFloor);
            Assert.AreEqual("1.0.0", rig.Plan.ActiveVersion.ToString());
            rig.Boot();
            Assert.AreEqual((int)BootDecision.BootActive, (int)rig.Plan.Decision);
        }

        [TestMethod]
        public void Plan_NoJournalTwoVerifiedSlots_AdoptsHigherSecurityVersion()
        {
            TestRandom random = new TestRandom(71);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 2);
            UpdateRig.Install(rig.Flash, SlotLayout.SlotB, rig.Release("0.9.0", 5, new int[] { 64 }));
            rig.Boot();
            Assert.AreEqual(SlotLayout.SlotB, rig.Plan.Slot);
            Assert.AreEqual(5L, rig.Journal.Current.SecurityFloor);
            Assert.AreEqual("0.9.0", rig.Running);
        }

        [TestMethod]
        public void Plan_NoJournalNothingVerifies_RunsWithoutApplication()
        {
            TestRandom random = new TestRandom(72);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 3);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Signature), 5, 1);
            rig.Boot();
            Assert.AreEqual(-1, rig.Plan.Slot);
            Assert.IsNull(rig.Running);
            Assert.IsFalse(rig.Journal.Current.HasActive);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Engine.State, "still takes updates");
        }

        [TestMethod]
        public void Plan_NoJournalUntrustedRoot_NothingBoots()
        {
            TestRandom random = new TestRandom(73);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 4);
            rig.Anchors = new TestBundle(random).Anchors();
            rig.Boot();
            Assert.AreEqual(-1, rig.Plan.Slot);
        }

        [TestMethod]
        public void Plan_IdleActiveManifestCorrupted_RunsWithoutApplicationReportsActiveCorrupt()
        {
            UpdateRig rig = Installed(74);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, SlotLayout.Manifest), 20, 0x20);
            rig.Boot();
            Assert.AreEqual((int)BootDecision.BootActive, (int)rig.Plan.Decision);
            Assert.AreEqual(-1, rig.Plan.Slot);
            Assert.AreEqual((int)BundleStatus.ManifestSignatureInvalid, (int)rig.Plan.ActiveStatus);
            Assert.AreEqual(UpdateOutcome.ActiveCorrupt, rig.Journal.Current.LastOutcome);
        }

        [TestMethod]
        public void Plan_IdleActivePayloadCorrupted_LoaderCatchesItInMemory()
        {
            UpdateRig rig = Installed(75);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotA, "Sensor.App.pe"), -1, 0x01);
            rig.Boot();
            Assert.IsNull(rig.Running);
            Assert.AreEqual(-1, rig.Plan.Slot);
            Assert.IsFalse(rig.Journal.Current.HasActive);
            Assert.AreEqual(UpdateOutcome.ActiveCorrupt, rig.Journal.Current.LastOutcome);
        }

        [TestMethod]
        public void Plan_IdleActiveReplacedByAnotherSignedBundle_SlotMismatch()
        {
            UpdateRig rig = UpdateRig.Booted(76);
            // Validly signed, same security version, but not the bundle the journal confirmed for this slot.
            UpdateRig.Install(rig.Flash, SlotLayout.SlotA, rig.Release("1.0.1", 2, new int[] { 80 }));
            rig.Boot();
            Assert.AreEqual(-1, rig.Plan.Slot);
            Assert.AreEqual((int)BundleStatus.SlotMismatch, (int)rig.Plan.ActiveStatus);
        }

        [TestMethod]
        public void Plan_StagedCandidateVerifies_StartsTestWithOneBootCounted()
        {
            UpdateRig rig = Staged(77);
            rig.Boot();
            Assert.AreEqual((int)BootDecision.StartTest, (int)rig.Plan.Decision);
            Assert.AreEqual(SlotLayout.SlotB, rig.Plan.Slot);
            Assert.IsTrue(rig.Plan.Testing);
            Assert.AreEqual(1, rig.Journal.Current.TestBoots);
        }

        [TestMethod]
        public void Plan_StagedCandidateCorrupted_RevertsCorrupt()
        {
            UpdateRig rig = Staged(78);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Delegation), 30, 0x02);
            rig.Boot();
            Assert.AreEqual((int)BootDecision.RevertCorrupt, (int)rig.Plan.Decision);
            Assert.AreEqual("1.0.0", rig.Running);
            Assert.AreEqual(UpdateOutcome.RevertedCorrupt, rig.Journal.Current.LastOutcome);
            Assert.IsTrue(rig.Plan.CandidateStatus != BundleStatus.Verified);
        }

        [TestMethod]
        public void Plan_StagedCandidatePayloadCorrupted_LoaderRevertsInSameBoot()
        {
            UpdateRig rig = Staged(79);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, "Sensor.Lib.pe"), 0, 0x80);
            rig.Boot();
            Assert.AreEqual((int)BootDecision.RevertLoadFailed, (int)rig.Plan.Decision);
            Assert.AreEqual("1.0.0", rig.Running);
            Assert.AreEqual(UpdateOutcome.RevertedCorrupt, rig.Journal.Current.LastOutcome);
        }

        [TestMethod]
        public void Plan_TestingBelowLimit_ContinuesAndCountsTheBoot()
        {
            UpdateRig rig = Staged(80);
            rig.Boot();
            rig.Boot();
            Assert.AreEqual((int)BootDecision.ContinueTest, (int)rig.Plan.Decision);
            Assert.AreEqual(2, rig.Journal.Current.TestBoots);
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
            Assert.AreEqual((int)BootDecision.RevertBootLimit, (int)rig.Plan.Decision);
            Assert.AreEqual("1.0.0", rig.Running);
            Assert.AreEqual(0, rig.Journal.Current.TestBoots);
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
            Assert.AreEqual((int)BootDecision.RevertCorrupt, (int)rig.Plan.Decision);
            Assert.AreEqual((int)BundleStatus.SecurityVersionRollback, (int)rig.Plan.CandidateStatus);
            Assert.AreEqual(-1, rig.Plan.Slot, "the active 1.0.0 (security version 2) is below the floor too");
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
            Assert.AreEqual((int)UpdateState.Downloading, (int)rig.Journal.Current.State);
            for (int i = 1; i <= BootPlanner.DefaultMaxResumeBoots; i++)
            {
                rig.Boot();
                Assert.AreEqual((int)BootDecision.ResumeDownload, (int)rig.Plan.Decision);
                Assert.AreEqual(i, rig.Journal.Current.ResumeBoots);
            }

            rig.Boot();
            Assert.AreEqual((int)BootDecision.AbandonDownload, (int)rig.Plan.Decision);
            Assert.AreEqual(UpdateOutcome.DownloadFailed, rig.Journal.Current.LastOutcome);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Engine.State);
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void Plan_JournalSaveFailsAtStartTest_BootsActiveInstead()
        {
            UpdateRig rig = Staged(84);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailPrefix = JournalStore.Path;
            rig.Boot(faulty);
            Assert.IsTrue(rig.Plan.JournalSaveFailed);
            Assert.IsFalse(rig.Plan.Testing, "a candidate never boots without its test boot on flash");
            Assert.AreEqual("1.0.0", rig.Running);
            Assert.AreEqual((int)UpdateState.Staged, (int)rig.Engine.State);
            Assert.AreEqual(UpdateOutcome.Busy, rig.Offer("https://updates.example/x/"));
            rig.Boot();
            Assert.AreEqual((int)BootDecision.StartTest, (int)rig.Plan.Decision);
        }

        [TestMethod]
        public void Plan_JournalSaveFailsAtContinueTest_ActiveRunsAndNothingIsConfirmed()
        {
            UpdateRig rig = Staged(87);
            rig.Boot();
            Assert.IsTrue(rig.Plan.Testing);
            FaultyFileStore faulty = new FaultyFileStore(rig.Flash);
            faulty.FailPrefix = JournalStore.Path;
            rig.Boot(faulty);
            Assert.IsTrue(rig.Plan.JournalSaveFailed);
            Assert.AreEqual("1.0.0", rig.Running);

            // The candidate is not running this boot: a healthy 1.0.0 must not confirm it, and offers wait for the next boot.
            rig.Run(true, 20);
            Assert.AreEqual((int)UpdateState.Testing, (int)rig.Journal.Current.State);
            Assert.AreEqual(SlotLayout.SlotA, rig.Journal.Current.ActiveSlot);
            Assert.AreEqual(UpdateOutcome.Busy, rig.Offer("https://updates.example/x/"));
            faulty.FailPrefix = null;
            rig.Boot();
            Assert.AreEqual((int)BootDecision.ContinueTest, (int)rig.Plan.Decision);
            Assert.AreEqual(2, rig.Journal.Current.TestBoots);
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
            Assert.IsTrue(rig.Planner.JournalMissing);
            Assert.AreEqual((int)BootDecision.AdoptInstalled, (int)rig.Plan.Decision);
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void OnLoadFailed_WrongOutcome_Throws()
        {
            UpdateRig rig = Installed(86);
            Assert.ThrowsException(typeof(System.ArgumentException), () => rig.Planner.OnLoadFailed(rig.Plan, UpdateOutcome.Confirmed));
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
            Assert.AreEqual((int)UpdateState.Staged, (int)rig.Journal.Current.State);
            return rig;
        }
    }
}
