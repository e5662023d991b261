using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Time;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    /// <summary><see cref="FailureRouter"/> alone: routes the engine's tests see only as whole updates.</summary>
    [TestClass]
    public class FailureRouterTests
    {
        // An offer's refused document ends the offer (nothing written); a refused bundle after the flash was touched is
        // abandoned and counted as a refused download.
        [TestMethod]
        public void Route_Rejected_EndsOfferUncountedOrAbandonsCounted()
        {
            UpdateStatistics statistics = new UpdateStatistics();
            FailureRouter router = new FailureRouter(new RetrySchedule(), new UpdateReport(statistics));
            StepInput input = new StepInput();
            FailureRoute route = router.Route(DownloadStep.Rejected, false, BundleStatus.ManifestMalformed, "x", UpdateState.Offered, input);
            Assert.AreEqual((int)FailureRoute.EndOffer, (int)route);
            Assert.AreEqual(0, statistics.OffersRejected);
            route = router.Route(DownloadStep.Rejected, false, BundleStatus.ManifestMalformed, "x", UpdateState.Downloading, input);
            Assert.AreEqual((int)FailureRoute.Abandon, (int)route);
            Assert.AreEqual(1, statistics.OffersRejected);
        }

        // More work waiting is done at once, even when a backoff was pending.
        [TestMethod]
        public void Route_More_DueNow()
        {
            RetrySchedule retry = new RetrySchedule();
            FailureRouter router = new FailureRouter(retry, new UpdateReport(new UpdateStatistics()));
            retry.DueAt(9000);
            FailureRoute route = router.Route(DownloadStep.More, true, BundleStatus.Verified, null, UpdateState.Downloading, new StepInput(100, 0, true, 0));
            Assert.AreEqual((int)FailureRoute.Stay, (int)route);
            Assert.AreEqual(0L, retry.Wait(100));
        }
    }
}
