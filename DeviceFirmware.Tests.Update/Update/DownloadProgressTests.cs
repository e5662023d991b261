using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class DownloadProgressTests
    {
        [TestMethod]
        public void New_NothingDownloaded_AllZero()
        {
            DownloadProgress progress = new DownloadProgress();
            long sum = progress.BytesDone + progress.BytesTotal + progress.Events;
            Assert.AreEqual(0L, sum);
        }

        // Half way is reached at done * 2 >= total: 49 of 100 is below, 50 is at it, and each crossing is one event.
        [TestMethod]
        [DataRow(49, 0)]
        [DataRow(50, 1)]
        [DataRow(100, 1)]
        public void Reach_AgainstHalfWay_OneEventPerCrossing(int done, int events)
        {
            DownloadProgress progress = new DownloadProgress();
            progress.Begin(100);
            progress.Reach(done);
            long bytes = progress.BytesDone;
            Assert.AreEqual((long)done, bytes);
            int counted = progress.Events;
            Assert.AreEqual(events, counted);
            progress.Reach(done);
            counted = progress.Events;
            Assert.AreEqual(events, counted);
        }

        [TestMethod]
        public void Reach_BackBelowHalfWay_CountsTheCrossingBack()
        {
            DownloadProgress progress = new DownloadProgress();
            progress.Begin(100);
            progress.Reach(60);
            progress.Reach(10);
            progress.Reach(70);
            int events = progress.Events;
            Assert.AreEqual(3, events);
        }

        [TestMethod]
        public void Rewind_BelowHalfWay_NoEventAndTheMarkStands()
        {
            DownloadProgress progress = new DownloadProgress();
            progress.Begin(100);
            progress.Reach(80);
            progress.Rewind(20);
            long done = progress.BytesDone;
            Assert.AreEqual(20L, done);
            progress.Reach(90);
            int events = progress.Events;
            Assert.AreEqual(1, events);
        }

        [TestMethod]
        public void Begin_AfterADownload_RestartsBelowHalfWayAndKeepsTheEvents()
        {
            DownloadProgress progress = new DownloadProgress();
            progress.Begin(100);
            progress.Reach(100);
            progress.Begin(40);
            long sum = progress.BytesDone * 1000 + progress.BytesTotal;
            Assert.AreEqual(40L, sum);
            progress.Reach(20);
            int events = progress.Events;
            Assert.AreEqual(2, events);
        }

        [TestMethod]
        public void Reach_NothingToDownload_NoEvent()
        {
            DownloadProgress progress = new DownloadProgress();
            progress.Begin(0);
            progress.Reach(0);
            int events = progress.Events;
            Assert.AreEqual(0, events);
        }
    }
}
