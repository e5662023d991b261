using nanoFramework.TestFramework;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class OfferIntakeTests
    {
        [TestMethod]
        public void TryRead_Oversized_KeepsTheParsersTooLarge()
        {
            OfferIntake intake = new OfferIntake();
            UpdateOffer offer;
            DocumentStatus status = intake.TryRead(new byte[UpdateOfferParser.MaxPayloadBytes + 1], 0, UpdateOfferParser.MaxPayloadBytes + 1, out offer);
            Assert.AreEqual((int)DocumentStatus.TooLarge, (int)status);
            Assert.IsTrue(intake.Detail.IndexOf("too large") >= 0, intake.Detail);
        }

        [TestMethod]
        public void Accept_PinsDigestAndSpacesOffers()
        {
            OfferIntake intake = new OfferIntake();
            intake.SpacingMs = 10000;
            UpdateOffer offer;
            byte[] json = TestBytes.Utf8("{\"url\":\"https://u.example/b/\",\"manifestSha256\":\"" + new string('a', 64) + "\"}");
            DocumentStatus status = intake.TryRead(json, 0, json.Length, out offer);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
            Assert.IsFalse(intake.TooSoon(5), "first");
            intake.Accept(offer, 5);
            Assert.IsTrue(intake.TooSoon(10004), "too soon");
            Assert.IsFalse(intake.TooSoon(10005), "spaced");
            Assert.AreEqual("https://u.example/b/", intake.Url);
            byte[] digest = new byte[32];
            Assert.IsTrue(intake.Mismatches(digest), "other digest");
            for (int i = 0; i < 32; i++)
            {
                digest[i] = 0xAA;
            }

            Assert.IsFalse(intake.Mismatches(digest), "pinned digest");
        }

        [TestMethod]
        [DataRow((int)UpdateState.Verifying)]
        [DataRow((int)UpdateState.Staged)]
        [DataRow((int)UpdateState.Testing)]
        [DataRow((int)UpdateState.WaitingForReboot)]
        public void Take_WhileACandidateIsPending_Busy(int state)
        {
            // Even the offer of the candidate itself: only an offer being fetched or downloaded is a repeat.
            OfferIntake intake = new OfferIntake();
            intake.Url = "https://u.example/b/";
            bool fresh;
            UpdateOutcome outcome = Take(intake, "https://u.example/b/", (UpdateState)state, 0, out fresh);
            Assert.AreEqual((int)UpdateOutcome.Busy, (int)outcome);
            Assert.IsFalse(fresh);
            Assert.IsTrue(intake.Detail.IndexOf("an update is ") == 0, intake.Detail);
            outcome = Take(intake, "https://u.example/c/", (UpdateState)state, 0, out fresh);
            Assert.AreEqual((int)UpdateOutcome.Busy, (int)outcome);
            Assert.AreEqual("https://u.example/b/", intake.Url);
        }

        [TestMethod]
        public void Take_Idle_AcceptsFreshThenRefusesTooSoon()
        {
            OfferIntake intake = new OfferIntake();
            bool fresh;
            UpdateOutcome outcome = Take(intake, "https://u.example/b/", UpdateState.Idle, 100, out fresh);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
            Assert.IsTrue(fresh, "fresh");
            Assert.IsNull(intake.Detail);
            Assert.AreEqual("https://u.example/b/", intake.Url);

            // Without trusted time the offer waits for it TimeWaitMs, not a millisecond more.
            Assert.IsTrue(intake.WaitsForTime(100 + OfferIntake.TimeWaitMs - 1, false), "waits");
            Assert.IsFalse(intake.WaitsForTime(100 + OfferIntake.TimeWaitMs, false), "waited enough");
            outcome = Take(intake, "https://u.example/c/", UpdateState.Idle, 100 + 9999, out fresh);
            Assert.AreEqual((int)UpdateOutcome.Busy, (int)outcome);
            Assert.AreEqual("offers arrive faster than one per 10 s", intake.Detail);
            Assert.AreEqual("https://u.example/b/", intake.Url);
            outcome = Take(intake, "https://u.example/c/", UpdateState.Idle, 100 + 10000, out fresh);
            Assert.IsTrue(fresh, "spaced");
        }

        [TestMethod]
        public void Take_SameUrlWhileDownloading_NoneNotFresh()
        {
            OfferIntake intake = new OfferIntake();
            intake.Url = "https://u.example/b/";
            bool fresh;
            UpdateOutcome outcome = Take(intake, "https://u.example/b/", UpdateState.Downloading, 0, out fresh);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
            Assert.IsFalse(fresh);
            outcome = Take(intake, "https://u.example/c/", UpdateState.Downloading, 0, out fresh);
            Assert.IsTrue(fresh, "a new offer supersedes");
        }

        [TestMethod]
        public void Take_NotAnOffer_MalformedWithTheParsersReason()
        {
            OfferIntake intake = new OfferIntake();
            byte[] json = TestBytes.Utf8("{\"url\":5}");
            bool fresh;
            UpdateOutcome outcome = intake.Take(json, 0, json.Length, UpdateState.Idle, 0, out fresh);
            Assert.AreEqual((int)UpdateOutcome.MalformedOffer, (int)outcome);
            Assert.IsFalse(fresh);
            Assert.AreEqual("malformed offer at byte 7: field 'url': invalid value", intake.Detail);
        }

        private static UpdateOutcome Take(OfferIntake intake, string url, UpdateState state, long nowMs, out bool fresh)
        {
            byte[] json = TestBytes.Utf8("{\"url\":\"" + url + "\"}");
            return intake.Take(json, 0, json.Length, state, nowMs, out fresh);
        }
    }
}
