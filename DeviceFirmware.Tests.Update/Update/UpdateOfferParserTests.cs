using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Core.Text;

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
            byte[] digest = offer.ManifestDigest;
            Assert.AreEqual(0x00, (int)digest[0]);
            Assert.AreEqual(0xff, (int)digest[1]);
            Assert.AreEqual(0x11, (int)digest[31]);
        }

        [TestMethod]
        public void TryParse_BadOffers_Refused()
        {
            // The URL-only offers on updates.example are built from what follows the host name (see ServerOffer).
            string[] offers = new string[]
            {
                "{\"url\":\"http://updates.example/b/\"}",
                ServerOffer("/b"),
                ServerOffer("/b/?x=1/"),
                ServerOffer("/b/#f/"),
                "{\"url\":\"https://user@updates.example/b/\"}",
                ServerOffer(":0/b/"),
                ServerOffer(":65536/b/"),
                ServerOffer(":80a/b/"),
                "{\"url\":\"https://updates example/b/\"}",
                "{\"url\":\"https:///b/\"}",
                ServerOffer("/a/../b/"),
                ServerOffer("/a/./b/"),
                ServerOffer("/a\\\\b/"),
                ServerOffer("/\u00e9/"),
                ServerOffer("/" + new string('a', 200) + "/"),
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
        public void TryParse_PayloadAtThenPastMax_ValidThenTooLarge()
        {
            // 20 characters of offer padded with spaces to exactly MaxPayloadBytes.
            Parse("{\"url\":\"https://a/\"" + new string(' ', UpdateOfferParser.MaxPayloadBytes - 20) + "}");
            byte[] payload = new byte[UpdateOfferParser.MaxPayloadBytes + 1];
            UpdateOffer offer;
            DocumentStatus status = new UpdateOfferParser().TryParse(payload, 0, payload.Length, out offer);
            Assert.AreEqual((int)DocumentStatus.TooLarge, (int)status);
        }

        [TestMethod]
        public void IsBundleUrl_Boundaries()
        {
            bool accepted = UpdateOfferParser.IsBundleUrl("https://a/");
            Assert.IsTrue(accepted);
            accepted = UpdateOfferParser.IsBundleUrl("https://a:65535/x-y_z~1.2%20/");
            Assert.IsTrue(accepted);
            accepted = UpdateOfferParser.IsBundleUrl("https://updates.example/" + new string('a', 200 - 25) + "/");
            Assert.IsTrue(accepted);
            accepted = UpdateOfferParser.IsBundleUrl("https://updates.example/" + new string('a', 200 - 24) + "/");
            Assert.IsFalse(accepted);
            // One-digit port, path capitals, a segment ending in '.' and one starting with '.': none is a dot segment.
            accepted = UpdateOfferParser.IsBundleUrl("https://a:9/AZ/x./y/.z/");
            Assert.IsTrue(accepted);
            accepted = UpdateOfferParser.IsBundleUrl("https://a:10/");
            Assert.IsTrue(accepted);
            accepted = UpdateOfferParser.IsBundleUrl(null);
            Assert.IsFalse(accepted);
            accepted = UpdateOfferParser.IsBundleUrl("https://");
            Assert.IsFalse(accepted);
            accepted = UpdateOfferParser.IsBundleUrl("https://a:/");
            Assert.IsFalse(accepted);
        }

        // An offer whose only member is the URL https://updates.example followed by portAndPath.
        private static string ServerOffer(string portAndPath)
        {
            return "{\"url\":\"https://updates.example" + portAndPath + "\"}";
        }

        private static UpdateOffer Parse(string json)
        {
            byte[] payload = TestBytes.Utf8(json);
            UpdateOffer offer;
            UpdateOfferParser parser = new UpdateOfferParser();
            DocumentStatus status = parser.TryParse(payload, 0, payload.Length, out offer);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
            return offer;
        }
    }
}
