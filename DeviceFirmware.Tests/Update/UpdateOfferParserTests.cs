using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateOfferParserTests
    {
        [TestMethod]
        public void TryParse_UrlOnly_Valid()
        {
            UpdateOffer offer = Parse("{\"url\":\"https://updates.example:8443/bundles/1.1.0/\"}");
            Assert.AreEqual("https://updates.example:8443/bundles/1.1.0/", offer.Url);
            Assert.IsFalse(offer.HasManifestDigest);
        }

        [TestMethod]
        public void TryParse_PinnedDigest_Decoded()
        {
            UpdateOffer offer = Parse("{ \"manifestSha256\" : \"00ff" + new string('1', 60) + "\", \"url\":\"https://10.0.0.5/b/\" }");
            Assert.IsTrue(offer.HasManifestDigest);
            Assert.AreEqual(0x00, (int)offer.ManifestDigest[0]);
            Assert.AreEqual(0xff, (int)offer.ManifestDigest[1]);
            Assert.AreEqual(0x11, (int)offer.ManifestDigest[31]);
        }

        [TestMethod]
        public void TryParse_BadOffers_Refused()
        {
            string[] offers = new string[]
            {
                "{\"url\":\"http://updates.example/b/\"}",
                "{\"url\":\"https://updates.example/b\"}",
                "{\"url\":\"https://updates.example/b/?x=1/\"}",
                "{\"url\":\"https://updates.example/b/#f/\"}",
                "{\"url\":\"https://user@updates.example/b/\"}",
                "{\"url\":\"https://updates.example:0/b/\"}",
                "{\"url\":\"https://updates.example:65536/b/\"}",
                "{\"url\":\"https://updates.example:80a/b/\"}",
                "{\"url\":\"https://updates example/b/\"}",
                "{\"url\":\"https:///b/\"}",
                "{\"url\":\"https://updates.example/a/../b/\"}",
                "{\"url\":\"https://updates.example/a/./b/\"}",
                "{\"url\":\"https://updates.example/a\\\\b/\"}",
                "{\"url\":\"https://updates.example/\u00e9/\"}",
                "{\"url\":\"https://updates.example/" + new string('a', 200) + "/\"}",
                "{\"url\":\"https://updates.example/b/\",\"url\":\"https://updates.example/c/\"}",
                "{\"url\":\"https://updates.example/b/\",\"extra\":1}",
                "{\"manifestSha256\":\"" + new string('a', 64) + "\"}",
                "{\"url\":\"https://updates.example/b/\",\"manifestSha256\":\"" + new string('A', 64) + "\"}",
                "{\"url\":\"https://updates.example/b/\",\"manifestSha256\":\"" + new string('a', 63) + "\"}",
                "{\"url\":7}",
                "[\"https://updates.example/b/\"]",
                "{\"url\":\"https://updates.example/b/\"} x",
                "",
            };
            UpdateOfferParser parser = new UpdateOfferParser();
            for (int i = 0; i < offers.Length; i++)
            {
                byte[] payload = TestBytes.Utf8(offers[i]);
                UpdateOffer offer;
                Assert.AreNotEqual((int)DocumentStatus.Valid, (int)parser.TryParse(payload, 0, payload.Length, out offer), "offer " + i.ToString());
                Assert.IsNull(offer);
            }
        }

        [TestMethod]
        public void TryParse_OversizedPayload_TooLarge()
        {
            byte[] payload = new byte[UpdateOfferParser.MaxPayloadBytes + 1];
            UpdateOffer offer;
            Assert.AreEqual((int)DocumentStatus.TooLarge, (int)new UpdateOfferParser().TryParse(payload, 0, payload.Length, out offer));
        }

        [TestMethod]
        public void IsBundleUrl_Boundaries()
        {
            Assert.IsTrue(UpdateOfferParser.IsBundleUrl("https://a/"));
            Assert.IsTrue(UpdateOfferParser.IsBundleUrl("https://a:65535/x-y_z~1.2%20/"));
            Assert.IsTrue(UpdateOfferParser.IsBundleUrl("https://updates.example/" + new string('a', 200 - 25) + "/"));
            Assert.IsFalse(UpdateOfferParser.IsBundleUrl("https://updates.example/" + new string('a', 200 - 24) + "/"));
            Assert.IsFalse(UpdateOfferParser.IsBundleUrl(null));
        }

        private static UpdateOffer Parse(string json)
        {
            byte[] payload = TestBytes.Utf8(json);
            UpdateOffer offer;
            UpdateOfferParser parser = new UpdateOfferParser();
            Assert.AreEqual((int)DocumentStatus.Valid, (int)parser.TryParse(payload, 0, payload.Length, out offer));
            return offer;
        }
    }
}
