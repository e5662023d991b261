using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    /// <summary>The outcome names are the "outcome" of update events, which the service and dashboards match on.</summary>
    [TestClass]
    public class UpdateOutcomesTests
    {
        [TestMethod]
        public void Name_EveryOutcome_IsItsPinnedName()
        {
            string names = "";
            for (int code = 0; code <= 14; code++)
            {
                names += UpdateOutcomes.Name((UpdateOutcome)code) + " ";
            }

            names += UpdateOutcomes.Name(UpdateOutcome.Rejected);
            Assert.AreEqual("none confirmed reverted:boot-limit reverted:timeout reverted:app-failed reverted:corrupt download-failed storage-failed malformed-offer busy active-corrupt staged offer-mismatch known-bad reverted:no-memory rejected:unverified", names);
        }

        [TestMethod]
        public void RejectionReason_NotARejection_Unverified()
        {
            BundleStatus reason = UpdateOutcomes.RejectionReason(UpdateOutcome.Confirmed);
            Assert.AreEqual((int)BundleStatus.Unverified, (int)reason);
        }
    }
}
