using nanoFramework.TestFramework;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateEventWriterTests
    {
        [TestMethod]
        public void Write_Staged_GoldenJson()
        {
            UpdateRig rig = Rig(90);
            rig.Offer(rig.Publish(UpdateBundles.Release(UpdateBundles.Factory(new TestRandom(90)), new TestRandom(91)), "s"));
            rig.Run(true, 200);
            Assert.AreEqual(UpdateEvents.Prefix("staged", "staged", 11, 7) + rig.Engine.Status.EventSequence + "}", Write(rig.Engine));
        }

        [TestMethod]
        public void Write_Downloading_CarriesProgress()
        {
            UpdateRig rig = UpdateRig.Booted(92);
            rig.Offer(rig.Publish(rig.Release("1.1.0", 3, new int[] { 2500 }), "d"));
            rig.Run(true, 2);
            string json = Write(rig.Engine);
            Assert.AreEqual(0, json.IndexOf(UpdateEvents.Head("downloading", "none", 0) + "\"done\":"), json);
            Assert.IsTrue(json.IndexOf(",\"total\":2500,\"boot\":7,\"seq\":") > 0, json);
        }

        [TestMethod]
        public void Write_RejectedWithUnsafeDetail_EscapedAndBounded()
        {
            UpdateRig rig = Rig(93);
            byte[] offer = TestBytes.Utf8("{\"url\":\"ftp://x/\"}");
            rig.Engine.Offer(offer, 0, offer.Length, 0);
            string json = Write(rig.Engine);
            Assert.AreEqual(0, json.IndexOf("{\"state\":\"idle\",\"outcome\":\"malformed-offer\",\"code\":8,\"detail\":\""), json);
            bool bounded = json.Length <= UpdateEventWriter.MaxBytes;
            Assert.IsTrue(bounded);
            Assert.AreEqual(-1, json.IndexOf("\\"), json);
        }

        // Downloading with no total yet (a reboot mid-download, before the download resumes) has no progress to show,
        // and an empty detail is no detail.
        [TestMethod]
        public void Write_NoTotalEmptyDetail_OmitsBoth()
        {
            UpdateReport report = new UpdateReport(new UpdateStatistics());
            UpdateStatus status = new UpdateStatus(report, new DownloadProgress(), null);
            status.State = UpdateState.Downloading;
            report.Record(UpdateOutcome.None, "");
            Assert.AreEqual("{\"state\":\"downloading\",\"outcome\":\"none\",\"code\":0,\"boot\":7,\"seq\":1}", Write(status));
        }

        // A failed attempt past half way: progress, the detail, and a sequence counting the boot and the half-way event.
        [TestMethod]
        public void Write_FailedAttemptPastHalf_ProgressDetailAndSequence()
        {
            UpdateReport report = new UpdateReport(new UpdateStatistics());
            DownloadProgress progress = new DownloadProgress();
            UpdateStatus status = new UpdateStatus(report, progress, null);
            status.State = UpdateState.Downloading;
            report.Booted(UpdateOutcome.None);
            progress.Begin(2500);
            progress.Reach(1300);
            report.Failed("timeout");
            string json = Write(status);
            Assert.AreEqual("{\"state\":\"downloading\",\"outcome\":\"none\",\"code\":0,\"done\":1300,\"total\":2500,\"detail\":\"timeout\",\"boot\":7,\"seq\":2}", json);
        }

        // The parameter and the size needed are what a caller's bug report must name.
        [TestMethod]
        public void Write_ShortBuffer_ThrowsNamingCountAndSize()
        {
            UpdateStatus status = new UpdateStatus(new UpdateReport(null), new DownloadProgress(), null);
            string thrown = "(none)";
            try
            {
                new UpdateEventWriter().Write(status, 1, new byte[100], 0, 100);
            }
            catch (System.ArgumentException e)
            {
                thrown = e.ParamName + ": " + e.Message;
            }

            Assert.AreEqual(0, thrown.IndexOf("count: event buffer must hold 384 bytes"), thrown);
        }

        private static UpdateRig Rig(uint seed)
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(seed)), seed);
            rig.Boot();
            return rig;
        }

        private static string Write(UpdateEngine engine)
        {
            return Write(engine.Status);
        }

        private static string Write(UpdateStatus status)
        {
            byte[] buffer = new byte[UpdateEventWriter.MaxBytes];
            int length = new UpdateEventWriter().Write(status, 7, buffer, 0, buffer.Length);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
    }
}
