using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateStatisticsTests
    {
        [TestMethod]
        public void New_NothingHappened_EveryCounterZero()
        {
            UpdateStatistics statistics = new UpdateStatistics();
            long sum = Sum(statistics);
            Assert.AreEqual(0L, sum);
        }

        // Each event moves its own counter by one and no other: a counter wired to the wrong event is caught here.
        [TestMethod]
        [DataRow(0, 1, 0, 0, 0, 0)]
        [DataRow(1, 0, 1, 0, 0, 0)]
        [DataRow(2, 0, 0, 1, 0, 0)]
        [DataRow(3, 0, 0, 0, 0, 1)]
        public void Event_OnceEach_MovesOnlyItsCounter(int kind, int received, int rejected, int failures, int unused, int resumes)
        {
            UpdateStatistics statistics = new UpdateStatistics();
            if (kind == 0)
            {
                statistics.OfferReceived();
            }
            else if (kind == 1)
            {
                statistics.OfferRefused();
            }
            else if (kind == 2)
            {
                statistics.AttemptFailed();
            }
            else
            {
                statistics.Resumed();
            }

            int offers = statistics.OffersReceived;
            Assert.AreEqual(received, offers);
            int refused = statistics.OffersRejected;
            Assert.AreEqual(rejected, refused);
            int failed = statistics.DownloadFailures;
            Assert.AreEqual(failures, failed);
            int resumed = statistics.Resumes;
            Assert.AreEqual(resumes, resumed);
            long bytes = statistics.BytesReceived + statistics.BytesRehashed;
            Assert.AreEqual((long)unused, bytes);
        }

        [TestMethod]
        public void Received_SeveralReads_SumsEveryByte()
        {
            UpdateStatistics statistics = new UpdateStatistics();
            statistics.Received(64);
            statistics.Received(0);
            statistics.Received(3000000000L);
            long received = statistics.BytesReceived;
            Assert.AreEqual(3000000064L, received, "a long: a bundle's bytes over many boots pass 2^31");
            long rehashed = statistics.BytesRehashed;
            Assert.AreEqual(0L, rehashed);
        }

        [TestMethod]
        public void Rehashed_SeveralPasses_SumsEveryByte()
        {
            UpdateStatistics statistics = new UpdateStatistics();
            statistics.Rehashed(560);
            statistics.Rehashed(890);
            long rehashed = statistics.BytesRehashed;
            Assert.AreEqual(1450L, rehashed);
            long received = statistics.BytesReceived;
            Assert.AreEqual(0L, received);
        }

        [TestMethod]
        public void Received_NegativeAmount_LeavesTheCounters()
        {
            UpdateStatistics statistics = new UpdateStatistics();
            statistics.Received(10);
            statistics.Received(-5);
            statistics.Rehashed(-1);
            long received = statistics.BytesReceived;
            Assert.AreEqual(10L, received);
            long rehashed = statistics.BytesRehashed;
            Assert.AreEqual(0L, rehashed);
        }

        private static long Sum(UpdateStatistics statistics)
        {
            return statistics.OffersReceived + statistics.OffersRejected + statistics.DownloadFailures + statistics.BytesReceived + statistics.BytesRehashed + statistics.Resumes;
        }
    }
}
