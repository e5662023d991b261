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
    }
}
