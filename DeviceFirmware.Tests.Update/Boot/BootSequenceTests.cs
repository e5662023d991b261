using nanoFramework.TestFramework;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Boot
{
    /// <summary>The loader as every build runs it, driven through a runtime that can refuse, throw or run out of memory.</summary>
    [TestClass]
    public class BootSequenceTests
    {
        [TestMethod]
        public void Run_CandidateLoadFailsHalfWay_RevertsAndRebootsWithoutLoadingActive()
        {
            // Assembly 2 of 3 is refused after assembly 1 was loaded: the active slot must wait for a fresh process.
            UpdateRig rig = Staged(700);
            rig.FailLoadNumber = rig.LoadCalls + 1;
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.RebootRequired, (int)result);
            int loaded = rig.LoadedFiles;
            Assert.AreEqual(1, loaded);
            Assert.IsNull(rig.Running);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedAppFailed, outcome);
            string detail = rig.Sequence.LastDetail;
            Assert.IsTrue(detail.IndexOf("Lib.pe threw") > 0, detail);

            rig.Boot();
            BootReason reason = rig.Session.Tracker.Reason;
            Assert.AreEqual((int)BootReason.Revert, (int)reason);
            Assert.AreEqual("1.0.0", rig.Running);
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.LoadFailed, (int)code);
            bool unreported = rig.Session.Faults.Unreported;
            Assert.IsTrue(unreported);
        }

        [TestMethod]
        public void Run_CandidateOutOfMemoryInRuntime_RevertedNoMemory()
        {
            UpdateRig rig = Staged(701);
            rig.FailLoadNumber = rig.LoadCalls;
            rig.LoadFailure = ApplicationStart.OutOfMemory;
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.RebootRequired, (int)result);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedNoMemory, outcome);
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.OutOfMemory, (int)code);
        }

        [TestMethod]
        public void Run_CandidateEntryMissing_RevertsAndReboots()
        {
            UpdateRig rig = Staged(702);
            rig.FailingVersion = "1.1.0";
            rig.StartFailure = ApplicationStart.EntryMissing;
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.RebootRequired, (int)result);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedAppFailed, outcome);
            string detail = rig.Sequence.LastDetail;
            Assert.IsTrue(detail.IndexOf("Application.Start entry-missing") > 0, detail);
        }

        // Memory running out while the entry point starts is the memory outcome, as it is while loading.
        [TestMethod]
        public void Run_CandidateOutOfMemoryAtStart_RevertedNoMemory()
        {
            UpdateRig rig = Staged(711);
            rig.FailingVersion = "1.1.0";
            rig.StartFailure = ApplicationStart.OutOfMemory;
            rig.Boot();
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedNoMemory, outcome);
        }

        [TestMethod]
        public void Run_TooLittleFreeMemory_CandidateRevertedAndActiveRunsInSameBoot()
        {
            // Nothing was loaded yet, so the fallback may run in this process. The release's 890 bytes do not fit beside the
            // reserve; the factory's 830 do.
            UpdateRig rig = Staged(703);
            rig.FreeMemory = BootOptions.DefaultMemoryReserveBytes + 860;
            int loadsBefore = rig.LoadCalls;
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.Running, (int)result);
            Assert.AreEqual("1.0.0", rig.Running);
            int loads = rig.LoadCalls - loadsBefore;
            Assert.AreEqual(2, loads);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedNoMemory, outcome);
        }

        [TestMethod]
        public void Run_OutOfMemoryReadingAFile_CandidateRevertedBeforeAnyLoad()
        {
            UpdateRig rig = Staged(704);
            FaultyFileStore store = new FaultyFileStore(rig.Flash);
            store.OutOfMemoryPrefix = SlotLayout.Path(SlotLayout.SlotB, "Sensor.Lib.pe");
            rig.Boot(store);
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.Running, (int)result);
            Assert.AreEqual("1.0.0", rig.Running);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedNoMemory, outcome);
        }

        // Both limits of step 3 are inclusive (docs/update-engine.md): a payload of exactly MaxPayloadBytes that leaves
        // exactly MemoryReserveBytes free loads; a limit of 0 is no limit.
        [TestMethod]
        public void Run_PayloadExactlyAtBothLimits_CandidateRunsFromSlotB()
        {
            UpdateRig rig = Staged(712);
            rig.Options.MaxPayloadBytes = UpdateBundles.ReleaseBytes;
            rig.FreeMemory = BootOptions.DefaultMemoryReserveBytes + UpdateBundles.ReleaseBytes;
            rig.Boot();
            Assert.AreEqual("1.1.0", rig.Running);
            bool slotB = rig.Session.Application.SlotB;
            Assert.IsTrue(slotB);
            int failed = rig.Sequence.FailedAttempts;
            Assert.AreEqual(0, failed);
            string detail = rig.Sequence.LastDetail;
            Assert.AreEqual(string.Empty, detail);

            rig.Options.MaxPayloadBytes = 0;
            rig.Boot();
            Assert.AreEqual("1.1.0", rig.Running);
        }

        // No free memory at all: the candidate and then the active slot are refused before loading, each failure counted;
        // the last one is described by slot, version, outcome and the sizes.
        [TestMethod]
        public void Run_NoFreeMemory_BothSlotsRefusedAndCounted()
        {
            UpdateRig rig = Staged(713);
            rig.FreeMemory = 0;
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.NoApplication, (int)result);
            int failed = rig.Sequence.FailedAttempts;
            Assert.AreEqual(2, failed);
            string detail = rig.Sequence.LastDetail;
            Assert.AreEqual("a 1.0.0: reverted:no-memory 830 payload bytes with 0 free", detail);
        }

        [TestMethod]
        public void Run_CandidateFileCorrupt_RevertedNamingTheFile()
        {
            UpdateRig rig = Staged(714);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, "Sensor.Lib.pe"), 5, 1);
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
            string detail = rig.Sequence.LastDetail;
            Assert.IsTrue(detail.IndexOf("Lib.pe hash-mismatch") > 0, detail);
        }

        [TestMethod]
        public void Run_ActiveDoesNotFit_RunsWithoutApplicationAndKeepsItInstalled()
        {
            UpdateRig rig = UpdateRig.Booted(705);
            rig.FreeMemory = 100;
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.NoApplication, (int)result);
            Assert.IsNull(rig.Running);
            Assert.IsTrue(rig.Journal.Current.HasActive, "skipped for this boot, not dropped");
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.OutOfMemory, (int)code);

            rig.FreeMemory = -1;
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
        }

        [TestMethod]
        public void Run_ActiveFailsToStart_NoRebootAndRecordsFault()
        {
            UpdateRig rig = UpdateRig.Booted(706);
            rig.FailingVersion = "1.0.0";
            rig.Boot();
            BootResult result = rig.Result;
            Assert.AreEqual((int)BootResult.NoApplication, (int)result);
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.LoadFailed, (int)code);
            string detail = rig.Session.Faults.Detail;
            Assert.IsTrue(detail.IndexOf("reverted:app-failed") > 0, detail);
            bool hasActive = rig.Journal.Current.HasActive;
            Assert.IsTrue(hasActive);
        }

        [TestMethod]
        public void Run_PayloadOverTheLoaderLimit_NeverLoaded()
        {
            UpdateRig rig = Staged(707);
            rig.Options.MaxPayloadBytes = 860;
            int loadsBefore = rig.LoadCalls;
            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
            int loads = rig.LoadCalls - loadsBefore;
            Assert.AreEqual(2, loads);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedNoMemory, outcome);
            string detail = rig.Sequence.LastDetail;
            Assert.IsTrue(detail.IndexOf("over the loader limit of 860") > 0, detail);
        }

        [TestMethod]
        public void Offer_BundleOverTheLoaderLimit_RejectedTooLargeWithoutFlashWrites()
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(708)), 708);
            rig.Options.MaxPayloadBytes = 860;
            rig.Boot();
            int before = rig.Flash.MutationCount;
            rig.Offer(rig.Publish(rig.Release(), "big"));
            rig.Run(true, 50);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(Core.Bundle.BundleStatus.TooLarge), outcome);
            int writes = rig.Flash.MutationCount - before;
            Assert.AreEqual(0, writes);
        }

        // Row 1b: the journal erased and the newer slot damaged leave only the older signed slot, below the floor. Nothing
        // boots, and the refusal goes to the fault record so that the service hears of it.
        [TestMethod]
        public void Run_JournalErasedOnlyOlderSlotSigned_RecordsRollbackRefused()
        {
            UpdateRig rig = Staged(709);
            rig.BootAndConfirm();
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.None, (int)code);
            rig.Flash.Delete(JournalStore.Path);
            rig.Corrupt(SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Signature), 5, 1);
            rig.Boot();
            Assert.IsNull(rig.Running);
            code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.RollbackRefused, (int)code);
            string detail = rig.Session.Faults.Detail;
            Assert.AreEqual("journal lost; slot below floor 3 refused", detail);
        }

        // Row 1b with no floor known: neither the journal nor the floor record can be read, so nothing boots and the fault
        // is recorded. The next boot reads both again and runs the active slot; the fault is still there to report.
        [TestMethod]
        public void Run_JournalAndFloorRecordUnreadable_RecordsFloorUnknown()
        {
            UpdateRig rig = UpdateRig.Booted(716);
            FaultyFileStore store = new FaultyFileStore(rig.Flash);
            store.FailReadsPrefix = "state/";
            rig.Boot(store);
            Assert.IsNull(rig.Running);
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.FloorUnknown, (int)code);
            string detail = rig.Session.Faults.Detail;
            Assert.IsTrue(detail.IndexOf("unreadable") > 0);
            bool flag = rig.Session.Application.UpdateRecordsUnreadable;
            Assert.IsTrue(flag);

            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
            flag = rig.Session.Application.UpdateRecordsUnreadable;
            Assert.IsFalse(flag);
            code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.FloorUnknown, (int)code);
            bool unreported = rig.Session.Faults.Unreported;
            Assert.IsTrue(unreported);
        }

        // A floor save that succeeds is no fault. One that fails is recorded, once however often it fails in the boot: here
        // the adoption's journal save and the planner's repair both fail to raise the floor record.
        [TestMethod]
        public void Run_FloorRecordSaveFails_RecordsFloorSaveFailedOnce()
        {
            UpdateRig rig = UpdateRig.Booted(717);
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.None, (int)code);
            rig.Flash.Delete(JournalStore.Path);
            rig.Flash.Delete(FloorStore.Path);
            FaultyFileStore store = new FaultyFileStore(rig.Flash);
            store.FailPrefix = FloorStore.Path;
            rig.Boot(store);
            Assert.AreEqual("1.0.0", rig.Running);
            int failures = rig.Journal.FloorSaveFailures;
            Assert.AreEqual(2, failures);
            code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.FloorSaveFailed, (int)code);
            int count = rig.Session.Faults.Consecutive;
            Assert.AreEqual(1, count);
            bool flag = rig.Session.Application.FloorRecordLagging;
            Assert.IsTrue(flag);
        }

        // The journal erased with both slots intact is row 1: the newer slot is adopted, and that is no fault.
        [TestMethod]
        public void Run_JournalErasedNewerSlotIntact_AdoptsWithoutFault()
        {
            UpdateRig rig = Staged(710);
            rig.BootAndConfirm();
            rig.Flash.Delete(JournalStore.Path);
            rig.Boot();
            Assert.AreEqual("1.1.0", rig.Running);
            FaultCode code = rig.Session.Faults.Code;
            Assert.AreEqual((int)FaultCode.None, (int)code);
        }

        [TestMethod]
        public void Constructor_NullPart_ThrowsNamingIt()
        {
            UpdateRig rig = UpdateRig.Booted(715);
            UpdateStack stack = rig.Stack;
            BootSession session = rig.Session;
            System.Action noStack = () => new BootSequence(null, rig, session);
            System.Action noRuntime = () => new BootSequence(stack, null, session);
            System.Action noSession = () => new BootSequence(stack, rig, null);
            string names = ThrownArgument.Name(noStack) + " " + ThrownArgument.Name(noRuntime) + " " + ThrownArgument.Name(noSession);
            Assert.AreEqual("stack runtime session", names);
        }

        // The names appear in the fault detail that the service shows.
        [TestMethod]
        public void Name_EachRuntimeAnswer_ItsName()
        {
            string names = string.Empty;
            for (int start = 0; start <= (int)ApplicationStart.OutOfMemory; start++)
            {
                names += BootSequence.Name((ApplicationStart)start) + " ";
            }

            Assert.AreEqual("started entry-missing threw out-of-memory ", names);
        }

        private static UpdateRig Staged(uint seed)
        {
            UpdateRig rig = UpdateRig.Booted(seed);
            rig.Stage(rig.Release());
            return rig;
        }
    }
}
