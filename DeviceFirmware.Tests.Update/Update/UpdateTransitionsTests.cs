using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateTransitionsTests
    {
        // Every persisted journal state, with the plan booting the candidate under test or not.
        [TestMethod]
        [DataRow((int)UpdateState.Idle, false, (int)UpdateState.Idle)]
        [DataRow((int)UpdateState.Idle, true, (int)UpdateState.Idle)]
        [DataRow((int)UpdateState.Downloading, false, (int)UpdateState.Downloading)]
        [DataRow((int)UpdateState.Downloading, true, (int)UpdateState.Downloading)]
        [DataRow((int)UpdateState.Staged, false, (int)UpdateState.WaitingForReboot)]
        [DataRow((int)UpdateState.Staged, true, (int)UpdateState.WaitingForReboot)]
        [DataRow((int)UpdateState.Testing, false, (int)UpdateState.WaitingForReboot)]
        [DataRow((int)UpdateState.Testing, true, (int)UpdateState.Testing)]
        public void AtBoot_JournalState_StartsInTheDocumentedState(int journal, bool planTesting, int expected)
        {
            UpdateState state = UpdateTransitions.AtBoot((UpdateState)journal, planTesting);
            Assert.AreEqual(expected, (int)state);
        }

        [TestMethod]
        public void IsLegal_TestingToStaged_Refused()
        {
            Assert.IsFalse(UpdateTransitions.IsLegal(UpdateState.Testing, UpdateState.Staged));
            Assert.IsFalse(UpdateTransitions.IsLegal(UpdateState.Idle, UpdateState.Downloading));
            Assert.IsTrue(UpdateTransitions.IsLegal(UpdateState.Offered, UpdateState.Downloading));
        }
    }
}
