using nanoFramework.TestFramework;
using SecureDevice.Core;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    /// <summary><see cref="DocumentFetch"/> alone, against the release <see cref="PhaseFixture"/> publishes (64-byte pieces).</summary>
    [TestClass]
    public class DocumentFetchTests
    {
        [TestMethod]
        public void Step_AllThree_DoneWithEachDocumentInItsBuffer()
        {
            PhaseFixture f = new PhaseFixture(201);
            DocumentFetch fetch = Fetch(f);
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(fetch.Progressed, "progressed");
            Assert.IsTrue(Holds(f, f.ManifestBytes), "manifest");
            int length = f.Slots.Documents.SignatureLength;
            Assert.AreEqual(64, length);
            int opens = f.Server.Opens;
            Assert.AreEqual(3, opens);
            Assert.AreEqual(Bytes(f), f.Statistics.BytesReceived);
            int closes = f.Server.Closes;
            Assert.AreEqual(3, closes);
        }

        [TestMethod]
        public void Step_CutMidManifest_ResumesAfterTheBytesItKept()
        {
            PhaseFixture f = new PhaseFixture(202);
            DocumentFetch fetch = Fetch(f);
            f.Server.CutNextAfter = 100;
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("fetching manifest.json: network-error", fetch.Detail);
            Assert.IsTrue(fetch.Progressed, "100 bytes");
            int closes = f.Server.Closes;
            Assert.AreEqual(1, closes);
            step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(Holds(f, f.ManifestBytes), "manifest");
            int ranged = f.Server.RangedOpens;
            Assert.AreEqual(1, ranged);
            Assert.AreEqual(Bytes(f), f.Server.BytesServed);
        }

        [TestMethod]
        public void Step_CutAfterTheLastByte_CompletesOnRangeNotSatisfiable()
        {
            PhaseFixture f = new PhaseFixture(203);
            DocumentFetch fetch = Fetch(f);
            f.Server.CutNextAfter = f.ManifestBytes.Length;
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(Holds(f, f.ManifestBytes), "manifest");
        }

        [TestMethod]
        public void Step_ServerIgnoresRange_FetchesTheDocumentFromZero()
        {
            PhaseFixture f = new PhaseFixture(204);
            DocumentFetch fetch = Fetch(f);
            f.Server.CutNextAfter = 100;
            fetch.Step(PhaseFixture.Url);
            f.Server.IgnoreRange = true;
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(Holds(f, f.ManifestBytes), "manifest");
        }

        [TestMethod]
        public void Step_SecondDocumentFails_KeepsTheFirstAndAdvancesAfterIt()
        {
            PhaseFixture f = new PhaseFixture(205);
            DocumentFetch fetch = Fetch(f);
            f.Server.Remove(PhaseFixture.Url + SlotLayout.Signature);
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("fetching manifest.sig: not-found", fetch.Detail);
            f.Publish(f.Release);
            f.Server.Remove(PhaseFixture.Url + SlotLayout.Manifest);
            step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            Assert.IsTrue(Holds(f, f.ManifestBytes), "manifest");
        }

        [TestMethod]
        public void Step_FailedOpen_FailedWithoutProgress()
        {
            PhaseFixture f = new PhaseFixture(206);
            DocumentFetch fetch = Fetch(f);
            f.Server.FailOpens = 1;
            f.Server.FailWith = DownloadStatus.ServerError;
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
            Assert.AreEqual("fetching manifest.json: server-error", fetch.Detail);
            Assert.IsFalse(fetch.Progressed, "progressed");
        }

        // 416 for a fetch from byte 0 means no byte was kept: a failure, not a finished (empty) document.
        [TestMethod]
        public void Step_RangeNotSatisfiableAtZero_Failed()
        {
            PhaseFixture f = new PhaseFixture(211);
            f.Server.FailOpens = 1;
            f.Server.FailWith = DownloadStatus.RangeNotSatisfiable;
            DownloadStep step = Fetch(f).Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
        }

        [TestMethod]
        public void Step_ManifestAtItsLimit_Done()
        {
            PhaseFixture f = new PhaseFixture(207);
            f.Server.Put(PhaseFixture.Url + SlotLayout.Manifest, new byte[ManifestParser.MaxManifestBytes]);
            DownloadStep step = Fetch(f).Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            int length = f.Slots.Documents.ManifestLength;
            Assert.AreEqual(ManifestParser.MaxManifestBytes, length);
        }

        // The body breaks at the byte that would tell whether the document is over its limit: not yet known, so a failure.
        [TestMethod]
        public void Step_ManifestAtItsLimitCutBeforeTheCheckByte_Failed()
        {
            PhaseFixture f = new PhaseFixture(212);
            f.Server.Put(PhaseFixture.Url + SlotLayout.Manifest, new byte[ManifestParser.MaxManifestBytes]);
            f.Server.CutNextAfter = ManifestParser.MaxManifestBytes;
            DownloadStep step = Fetch(f).Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Failed, (int)step);
        }

        [TestMethod]
        public void Step_ManifestOverItsLimit_RejectedAsMalformed()
        {
            PhaseFixture f = new PhaseFixture(208);
            f.Server.Put(PhaseFixture.Url + SlotLayout.Manifest, new byte[ManifestParser.MaxManifestBytes + 1]);
            DocumentFetch fetch = Fetch(f);
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Rejected, (int)step);
            BundleStatus why = fetch.Rejection;
            Assert.AreEqual((int)BundleStatus.ManifestMalformed, (int)why);
            Assert.AreEqual("manifest.json is larger than the format allows", fetch.Detail);
            int closes = f.Server.Closes;
            Assert.AreEqual(1, closes);
            // No read asks for more than the buffer has room for.
            int asked = f.Server.LargestReadRequest;
            Assert.AreEqual(ManifestParser.MaxManifestBytes, asked);
        }

        [TestMethod]
        public void Step_SignatureOverItsLimit_RejectedAsMalformedSignature()
        {
            PhaseFixture f = new PhaseFixture(209);
            f.Server.Put(PhaseFixture.Url + SlotLayout.Signature, new byte[65]);
            DocumentFetch fetch = Fetch(f);
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Rejected, (int)step);
            BundleStatus why = fetch.Rejection;
            Assert.AreEqual((int)BundleStatus.SignatureMalformed, (int)why);
        }

        [TestMethod]
        public void Reset_AfterDone_FetchesAllThreeAgain()
        {
            PhaseFixture f = new PhaseFixture(210);
            DocumentFetch fetch = Fetch(f);
            fetch.Step(PhaseFixture.Url);
            fetch.Reset();
            DownloadStep step = fetch.Step(PhaseFixture.Url);
            Assert.AreEqual((int)DownloadStep.Done, (int)step);
            int opens = f.Server.Opens;
            Assert.AreEqual(6, opens);
            Assert.AreEqual(2 * Bytes(f), f.Statistics.BytesReceived);
        }

        private static DocumentFetch Fetch(PhaseFixture f)
        {
            return new DocumentFetch(f.Slots.Documents, f.Server, f.Statistics, f.Chunk);
        }

        // Bytes of the three published documents.
        private static long Bytes(PhaseFixture f)
        {
            return f.ManifestBytes.Length + 64 + f.Release.Delegation().Length;
        }

        private static bool Holds(PhaseFixture f, byte[] manifest)
        {
            BundleDocuments documents = f.Slots.Documents;
            return documents.ManifestLength == manifest.Length
                && ByteRange.ConstantTimeEquals(documents.Manifest, 0, manifest, 0, manifest.Length);
        }
    }
}
