using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Update
{
    /// <summary>
    /// MCUboot-style power-loss sweeps: the flash loses power at its k-th mutation (write, append, rename or delete) for
    /// every k of a whole update, keeping none, half or all of the interrupted write. After every boot that follows, the
    /// device must run a verified slot, old or new, never neither, and the journal must agree; the update must still end as
    /// it would have without the cut.
    /// </summary>
    [TestClass]
    public class UpdatePowerLossTests
    {
        private const int MaxBoots = 12;

        [TestMethod]
        public void PowerLoss_AtEveryMutationOfAConfirmedUpdate_RecoversToNewVersion()
        {
            int points = Sweep(false, true);
            Assert.IsTrue(points >= 25, "only " + points.ToString() + " crash points");
        }

        [TestMethod]
        public void PowerLoss_AtEveryMutationOfARevertedUpdate_RecoversToOldVersion()
        {
            int points = Sweep(false, false);
            Assert.IsTrue(points >= 30, "only " + points.ToString() + " crash points");
        }

        [TestMethod]
        public void PowerLoss_AtEveryMutationOfASecondUpdateOverwritingSlotA_RecoversToNewVersion()
        {
            int points = Sweep(true, true);
            Assert.IsTrue(points >= 25, "only " + points.ToString() + " crash points");
        }

        // Runs the scenario once without a cut to count its mutations, then once per mutation with the cut there. Each run
        // has a device of its own, built and dropped in a method of its own, so that only one is alive at a time.
        private static int Sweep(bool secondUpdate, bool healthy)
        {
            int total = CountMutations(secondUpdate, healthy);
            for (int cut = 1; cut <= total; cut++)
            {
                CutAndRecover(cut, total, secondUpdate, healthy);
            }

            return total;
        }

        private static int CountMutations(bool secondUpdate, bool healthy)
        {
            UpdateRig baseline = NewRig(secondUpdate);
            PowerCutFileStore counting = new PowerCutFileStore(baseline.Flash, 0, 0);
            Drive(baseline, counting, secondUpdate, healthy);
            AssertFinal(baseline, secondUpdate, healthy);
            return counting.Mutations;
        }

        private static void CutAndRecover(int cut, int total, bool secondUpdate, bool healthy)
        {
            string context = "cut " + cut.ToString() + " of " + total.ToString();
            UpdateRig rig = NewRig(secondUpdate);
            PowerCutFileStore faulty = new PowerCutFileStore(rig.Flash, cut, (cut % 3) * 50);
            Drive(rig, faulty, secondUpdate, healthy);
            Assert.IsTrue(faulty.PowerLost, context + ": the cut did not happen");
            Drive(rig, rig.Flash, secondUpdate, healthy);
            AssertFinal(rig, secondUpdate, healthy);
        }

        // Files in the rig's 64-byte pieces: 6 and 3 of them in the first release, 5, 2 and 1 in the second.
        private static UpdateRig NewRig(bool secondUpdate)
        {
            TestRandom random = new TestRandom(secondUpdate ? 301u : 300u);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 5);
            TestBundle first = UpdateBundles.Release(factory, "1.1.0", 3, random, new int[] { 375, 157 });
            string firstUrl = rig.Publish(first, "first");
            TestBundle second = UpdateBundles.Release(factory, "1.2.0", 4, random, new int[] { 313, 94, 7 });
            rig.Publish(second, "second");
            if (secondUpdate)
            {
                rig.Boot();
                rig.Offer(firstUrl);
                rig.Run(true, 200);
                rig.Boot();
                rig.Run(true, 10);
                string activeVersion = rig.ActiveVersion();
                Assert.AreEqual("1.1.0", activeVersion);
            }

            return rig;
        }

        private static string Target(bool secondUpdate)
        {
            return secondUpdate ? "1.2.0" : "1.1.0";
        }

        private static string Previous(bool secondUpdate)
        {
            return secondUpdate ? "1.1.0" : "1.0.0";
        }

        // Boots and runs until the update has ended, power is lost, or the boot budget is spent. A candidate that is not
        // healthy crashes right after its boot (an unclean reset), so only the boot limit can revert it.
        private static void Drive(UpdateRig rig, IFileStore store, bool secondUpdate, bool healthy)
        {
            string url = UpdateRig.BaseUrl + (secondUpdate ? "second/" : "first/");
            for (int boot = 0; boot < MaxBoots; boot++)
            {
                rig.Boot(store);
                if (rig.PowerLost())
                {
                    return;
                }

                AssertBootInvariant(rig, secondUpdate);
                if (Ended(rig, secondUpdate, healthy))
                {
                    return;
                }

                if (rig.Engine.Status.State == UpdateState.Idle)
                {
                    rig.Offer(url);
                }

                rig.Run(healthy, healthy ? 500 : (rig.Plan.Testing ? 1 : 500));
                if (rig.PowerLost() || Ended(rig, secondUpdate, healthy))
                {
                    return;
                }
            }
        }

        private static bool Ended(UpdateRig rig, bool secondUpdate, bool healthy)
        {
            UpdateJournal journal = rig.Journal.Current;
            if (journal.State != UpdateState.Idle)
            {
                return false;
            }

            return healthy
                ? journal.LastOutcome == UpdateOutcome.Confirmed && rig.Running == Target(secondUpdate)
                : journal.LastOutcome == UpdateOutcome.RevertedBootLimit;
        }

        private static void AssertBootInvariant(UpdateRig rig, bool secondUpdate)
        {
            string context = "boot " + rig.Boots.ToString();
            // The effective floor is the old or the new one, never lower; and after every boot the floor record agrees
            // with it (a cut between the journal's save and the record's is repaired by the next boot).
            long old = secondUpdate ? 3L : 2L;
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.IsTrue(floor == old || floor == old + 1, context + ": floor " + floor.ToString());
            FloorStore record = new FloorStore(rig.Flash);
            bool found;
            record.Load(out found);
            Assert.AreEqual(floor, record.Floor, context + ": floor record");
            Assert.IsNotNull(rig.Running, context + ": no verified slot booted");
            Assert.IsTrue(rig.Running == "1.0.0" || rig.Running == "1.1.0" || rig.Running == "1.2.0", context + " runs " + rig.Running);
            UpdateJournal journal = rig.Journal.Current;
            Assert.IsTrue(journal.HasActive, context + ": journal lost the active slot");
            Assert.AreEqual(journal.State == UpdateState.Testing, rig.Plan.Testing, context + ": testing flag");
            Assert.AreEqual(rig.Plan.Testing ? journal.CandidateSlot : journal.ActiveSlot, rig.Plan.Slot, context + ": slot");
        }

        // Checks the boot's view, then (powered off) the flash's.
        private static void AssertFinal(UpdateRig rig, bool secondUpdate, bool healthy)
        {
            rig.Boot(rig.Flash);
            string expected = healthy ? Target(secondUpdate) : Previous(secondUpdate);
            Assert.AreEqual(expected, rig.Running, "outcome " + UpdateOutcomes.Name(rig.Engine.Status.LastOutcome) + " " + rig.Engine.Status.LastDetail);
            bool testing = rig.Plan.Testing;
            Assert.IsFalse(testing);
            long expectedFloor = healthy ? (secondUpdate ? 4L : 3L) : (secondUpdate ? 3L : 2L);
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(expectedFloor, floor);
            FloorStore record = new FloorStore(rig.Flash);
            bool found;
            record.Load(out found);
            Assert.AreEqual(expectedFloor, record.Floor);
            int outcome = (int)rig.Journal.Current.LastOutcome;
            Assert.AreEqual(healthy ? (int)UpdateOutcome.Confirmed : (int)UpdateOutcome.RevertedBootLimit, outcome);
            string activeVersion = rig.ActiveVersion();
            Assert.AreEqual(expected, activeVersion);
        }
    }
}
