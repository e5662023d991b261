using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    /// <summary>Known answers: the wire codes of every outcome, which the journal on flash and the service both read.</summary>
    [TestClass]
    public class UpdateOutcomeCodeTests
    {
        [TestMethod]
        public void Of_EveryMember_IsItsPinnedWireCode()
        {
            UpdateOutcome[] members =
            {
                UpdateOutcome.None, UpdateOutcome.Confirmed, UpdateOutcome.RevertedBootLimit, UpdateOutcome.RevertedTimeout,
                UpdateOutcome.RevertedAppFailed, UpdateOutcome.RevertedCorrupt, UpdateOutcome.DownloadFailed, UpdateOutcome.StorageFailed,
                UpdateOutcome.MalformedOffer, UpdateOutcome.Busy, UpdateOutcome.ActiveCorrupt, UpdateOutcome.Staged,
                UpdateOutcome.OfferMismatch, UpdateOutcome.KnownBad, UpdateOutcome.RevertedNoMemory, UpdateOutcome.Rejected,
            };
            int[] codes = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 32 };
            for (int i = 0; i < members.Length; i++)
            {
                Assert.AreEqual(codes[i], UpdateOutcomeCode.Of(members[i]), UpdateOutcomes.Name(members[i]));
            }

            Assert.AreEqual(55, UpdateOutcomeCode.Of(UpdateOutcomes.Rejected(BundleStatus.FileHashMismatch)), "hash");
            Assert.AreEqual(58, UpdateOutcomeCode.Of(UpdateOutcomes.Rejected(BundleStatus.TooLarge)), "large");
        }

        [TestMethod]
        public void TryDecode_CodesOutsideTheKnownRanges_Refused()
        {
            int[] codes = { -1, 15, 31, 59, 255 };
            for (int i = 0; i < codes.Length; i++)
            {
                UpdateOutcome outcome;
                Assert.IsFalse(UpdateOutcomeCode.TryDecode(codes[i], out outcome), codes[i].ToString());
                Assert.AreEqual(0, (int)outcome, "None");
            }

            UpdateOutcome decoded;
            Assert.IsTrue(UpdateOutcomeCode.TryDecode(39, out decoded), "revoked");
            BundleStatus reason = UpdateOutcomes.RejectionReason(decoded);
            Assert.AreEqual((int)BundleStatus.KeyRevoked, (int)reason);
            Assert.AreEqual("rejected:revoked-key", UpdateOutcomes.Name(decoded), "name");
        }

        // The first and last code of each range decode to themselves.
        [TestMethod]
        [DataRow(0)]
        [DataRow(14)]
        [DataRow(32)]
        [DataRow(58)]
        public void TryDecode_RangeEnds_Accepted(int code)
        {
            UpdateOutcome outcome;
            Assert.IsTrue(UpdateOutcomeCode.TryDecode(code, out outcome));
            Assert.AreEqual(code, (int)outcome);
        }
    }
}
