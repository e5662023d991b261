using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    /// <summary>
    /// <see cref="PayloadDownload"/> alone, on <see cref="PhaseFixture"/>: the release's files are 560, 310 and 20 bytes
    /// (890 in all), served in 64-byte pieces, so a whole download takes two steps of 16 chunks.
    /// </summary>
    [TestClass]
    public class PayloadDownloadTests
    {
        private const int Total = UpdateBundles.ReleaseBytes;

        [TestMethod]
        public void Step_EmptySlot_DownloadsEveryFileAndReadsBackDone()
        {
            PhaseFixture f = new PhaseFixture(101);
            PayloadDownload d = Begin(f);
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.More, (int)step);

            // 16 chunks: open, 9 reads and the end of file 0 (560), open and 4 reads of 64 of file 1.
            long first = d.Progress.BytesDone;
            Assert.AreEqual(816L, first);
            step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(d.Progressed, "last step");
            Assert.IsTrue(f.Intact(0) && f.Intact(1) && f.Intact(2));
            long done = d.Progress.BytesDone;
            Assert.AreEqual((long)Total, done);
            long received = f.Statistics.BytesReceived;
            Assert.AreEqual((long)Total, received);
            int events = d.Progress.Events;
            Assert.AreEqual(1, events);
            step = d.ReadBack(f.Journal);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsFalse(d.Progressed, "read-back");
            long rehashed = f.Statistics.BytesRehashed;
            Assert.AreEqual((long)Total, rehashed);
        }

        [TestMethod]
        public void Step_ResumeMidFile_RehashesKeptBytesAndFetchesTheRest()
        {
            PhaseFixture f = new PhaseFixture(102);
            f.Prepare();
            f.Keep(0, 300, -1);
            PayloadDownload d = new PayloadDownload(f.Store, f.Slots, f.Server, f.Statistics, f.Chunk);
            d.Resume();
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(f.Intact(0), "file 0");
            long served = f.Server.PayloadBytesServed;
            Assert.AreEqual((long)(Total - 300), served);
            long rehashed = f.Statistics.BytesRehashed;
            Assert.AreEqual(300L, rehashed);
            int resumes = f.Statistics.Resumes;
            Assert.AreEqual(1, resumes);
            int ranged = f.Server.RangedOpens;
            Assert.AreEqual(1, ranged);
        }

        [TestMethod]
        public void Step_KeptBytesCorrupt_DeletesTheFileAndFetchesItWhole()
        {
            PhaseFixture f = new PhaseFixture(103);
            PayloadDownload d = Begin(f);
            f.Keep(0, 300, 7);
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.More, (int)step);

            // The file failed its hash at 560 and was deleted: progress went back to 0, then 8 chunks of the new copy.
            long done = d.Progress.BytesDone;
            Assert.AreEqual(512L, done);
            step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(f.Intact(0), "file 0");
            long served = f.Server.PayloadBytesServed;
            Assert.AreEqual((long)(Total + 260), served);
        }

        [TestMethod]
        public void Step_FullLengthCorruptFile_DeletesItAndFetchesAgain()
        {
            PhaseFixture f = new PhaseFixture(104);
            PayloadDownload d = Begin(f);
            f.Keep(1, 310, 309);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(f.Intact(1), "file 1");
            long served = f.Server.PayloadBytesServed;
            Assert.AreEqual((long)Total, served);
        }

        [TestMethod]
        public void Step_FullLengthIntactFile_IsKeptNotFetched()
        {
            PhaseFixture f = new PhaseFixture(105);
            PayloadDownload d = Begin(f);
            f.Keep(0, 560, -1);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            long served = f.Server.PayloadBytesServed;
            Assert.AreEqual((long)(Total - 560), served);
            long done = d.Progress.BytesDone;
            Assert.AreEqual((long)Total, done);
        }

        [TestMethod]
        public void Step_KeptFileLongerThanTheManifest_DeletesItAndFetchesItWhole()
        {
            PhaseFixture f = new PhaseFixture(121);
            PayloadDownload d = Begin(f);
            f.Flash.Put(f.PathOf(2), new byte[25]);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(f.Intact(2), "file 2");
            int ranged = f.Server.RangedOpens;
            Assert.AreEqual(0, ranged);
        }

        [TestMethod]
        public void ReadBack_FlashGivesBackOtherBytes_FailedNeverDone()
        {
            PhaseFixture f = new PhaseFixture(106);
            PayloadDownload d = Begin(f);
            f.Store.FlipReadsPrefix = f.PathOf(2);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            step = d.ReadBack(f.Journal);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.IsTrue(d.Detail.IndexOf("read-back") >= 0, d.Detail);
            long done = d.Progress.BytesDone;
            Assert.AreEqual(0L, done);

            // The download starts over, the bad flash reads back wrong again: still never Done.
            step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            step = d.ReadBack(f.Journal);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
        }

        [TestMethod]
        public void Step_ServedFileCorrupt_RejectedWithHashMismatch()
        {
            PhaseFixture f = new PhaseFixture(107);
            byte[] bad = TestBytes.Slice(f.Release.Payloads[1], 0, 310);
            bad[309] ^= 0x01;
            f.Server.Put(PhaseFixture.Url + f.Release.PayloadNames[1], bad);
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Rejected, (int)step);
            BundleStatus why = d.Rejection;
            Assert.AreEqual((int)BundleStatus.FileHashMismatch, (int)why);
            Assert.AreEqual("Sensor.Lib.pe: hash-mismatch", d.Detail);
        }

        [TestMethod]
        public void Step_ServedFileOfOtherSize_RejectedWithSizeMismatch()
        {
            PhaseFixture f = new PhaseFixture(108);
            f.Server.Put(PhaseFixture.Url + f.Release.PayloadNames[2], new byte[21]);
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Rejected, (int)step);
            BundleStatus why = d.Rejection;
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)why);
            Assert.AreEqual("Sensor.Drivers.pe is 21 bytes on the server, the manifest says 20", d.Detail);
            Assert.IsFalse(f.Server.IsOpen, "source left open");
        }

        [TestMethod]
        public void Step_ServedFileEmpty_RejectedBeforeReading()
        {
            PhaseFixture f = new PhaseFixture(115);
            f.Server.Put(PhaseFixture.Url + f.Release.PayloadNames[2], new byte[0]);
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Rejected, (int)step);
            Assert.AreEqual("Sensor.Drivers.pe is 0 bytes on the server, the manifest says 20", d.Detail);
        }

        [TestMethod]
        public void Step_LengthUnknownFileLonger_RejectedWhileStreaming()
        {
            PhaseFixture f = new PhaseFixture(116);
            f.Server.UnknownLength = true;
            byte[] longer = new byte[21];
            System.Array.Copy(f.Release.Payloads[2], longer, 20);
            f.Server.Put(PhaseFixture.Url + f.Release.PayloadNames[2], longer);
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Rejected, (int)step);
            BundleStatus why = d.Rejection;
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)why);
            Assert.AreEqual("Sensor.Drivers.pe is longer than the manifest says", d.Detail);
            Assert.IsFalse(f.Server.IsOpen, "source left open");
            Assert.IsTrue(f.Intact(0) && f.Intact(1), "files 0 and 1, lengths unknown too");
        }

        [TestMethod]
        public void Step_KeptBytesUnreadable_FailedForARetry()
        {
            PhaseFixture f = new PhaseFixture(117);
            PayloadDownload d = Begin(f);
            f.Keep(0, 300, -1);
            f.Store.FailReadsPrefix = f.PathOf(0);
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("reading Sensor.App.pe back", d.Detail);
            int opens = f.Server.Opens;
            Assert.AreEqual(0, opens);
        }

        [TestMethod]
        public void Step_ResumedThenCut_KeptBytesCountAsDone()
        {
            PhaseFixture f = new PhaseFixture(118);
            PayloadDownload d = Begin(f);
            f.Keep(0, 300, -1);
            f.Server.CutNextAfter = 0;
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            long done = d.Progress.BytesDone;
            Assert.AreEqual(300L, done);
        }

        [TestMethod]
        public void Step_ServerFileShorterThanKeptBytes_DeletesThemAndFails()
        {
            PhaseFixture f = new PhaseFixture(119);
            PayloadDownload d = Begin(f);
            f.Keep(0, 300, -1);
            f.Server.Put(PhaseFixture.Url + f.Release.PayloadNames[0], new byte[200]);
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("Sensor.App.pe: range-not-satisfiable", d.Detail);
            Assert.IsNull(f.Flash.Snapshot(f.PathOf(0)), "kept bytes");
            long done = d.Progress.BytesDone;
            Assert.AreEqual(0L, done);
        }

        [TestMethod]
        public void Step_FlashFull_StorageFailed()
        {
            PhaseFixture f = new PhaseFixture(109);
            f.Store.FailPrefix = f.PathOf(1);
            f.Store.FailWith = StorageStatus.Full;
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.StorageFailed, (int)step);
            Assert.AreEqual("flash full writing Sensor.Lib.pe", d.Detail);
            Assert.IsFalse(f.Server.IsOpen, "source left open");
        }

        [TestMethod]
        public void Step_FlashWriteError_FailedForARetry()
        {
            PhaseFixture f = new PhaseFixture(110);
            f.Store.FailPrefix = f.PathOf(0);
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("writing Sensor.App.pe", d.Detail);
        }

        [TestMethod]
        public void Step_CorruptFileCannotBeDeleted_StorageFailed()
        {
            PhaseFixture f = new PhaseFixture(111);
            PayloadDownload d = Begin(f);
            f.Keep(0, 560, 0);
            f.Store.FailPrefix = f.PathOf(0);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.StorageFailed, (int)step);
            Assert.IsTrue(d.Detail.IndexOf("deleting") == 0, d.Detail);
        }

        [TestMethod]
        public void Step_SourceFails_FailedWithDetailThenResumes()
        {
            PhaseFixture f = new PhaseFixture(112);
            PayloadDownload d = Begin(f);
            f.Server.FailOpens = 1;
            f.Server.FailWith = DownloadStatus.TlsError;
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("Sensor.App.pe: tls-error", d.Detail);
            Assert.IsFalse(d.Progressed, "progressed");

            f.Server.CutNextAfter = 200;
            step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("Sensor.App.pe: network-error", d.Detail);
            step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(f.Intact(0), "file 0");
            long served = f.Server.PayloadBytesServed;
            Assert.AreEqual((long)Total, served);
        }

        [TestMethod]
        public void Step_ServerIgnoresRange_StartsTheFileOver()
        {
            PhaseFixture f = new PhaseFixture(113);
            PayloadDownload d = Begin(f);
            f.Keep(0, 100, -1);
            f.Server.IgnoreRange = true;
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(f.Intact(0), "file 0");
        }

        [TestMethod]
        public void Step_ResumeWithOtherDocumentsOnFlash_StorageFailed()
        {
            PhaseFixture f = new PhaseFixture(114);
            f.Prepare();
            f.Journal.ToDownloading(PhaseFixture.Url, new byte[32]);
            PayloadDownload d = new PayloadDownload(f.Store, f.Slots, f.Server, f.Statistics, f.Chunk);
            d.Resume();
            DownloadStep step = d.Step(f.Journal, PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.StorageFailed, (int)step);
            Assert.IsTrue(d.Detail.IndexOf("slot-mismatch") > 0, d.Detail);
            int opens = f.Server.Opens;
            Assert.AreEqual(0, opens);
        }

        [TestMethod]
        public void ReadBack_OtherDocumentsOnFlash_StorageFailedPayloadNotHashed()
        {
            PhaseFixture f = new PhaseFixture(120);
            PayloadDownload d = Begin(f);
            DownloadStep step = Run(f, d);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            f.Journal.ToDownloading(PhaseFixture.Url, new byte[32]);
            step = d.ReadBack(f.Journal);
            Assert.AreEqual((int)DownloadStep.StorageFailed, (int)step);
            Assert.IsTrue(d.Detail.IndexOf("candidate documents on flash: slot-mismatch") == 0, d.Detail);
            long rehashed = f.Statistics.BytesRehashed;
            Assert.AreEqual(0L, rehashed);
        }

        private static PayloadDownload Begin(PhaseFixture f)
        {
            Manifest manifest = f.Prepare();
            PayloadDownload d = new PayloadDownload(f.Store, f.Slots, f.Server, f.Statistics, f.Chunk);
            d.Begin(manifest);
            return d;
        }

        // Steps until the download is no longer More (at most 20 steps).
        private static DownloadStep Run(PhaseFixture f, PayloadDownload d)
        {
            DownloadStep step = DownloadStep.More;
            for (int i = 0; i < 20 && step == DownloadStep.More; i++)
            {
                step = d.Step(f.Journal, PhaseFixture.Url);
            }

            return step;
        }
    }
}
