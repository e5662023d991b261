using nanoFramework.TestFramework;

namespace SecureDevice.Tests.Support
{
    // The test vectors of the crypto, codec and bundle tests are stored in base64: a wrong decoder would change what
    // they check, so the decoder has known answers of its own.
    [TestClass]
    public class TestBase64Tests
    {
        // RFC 4648 §10.
        [DataRow("", "")]
        [DataRow("Zg==", "f")]
        [DataRow("Zm8=", "fo")]
        [DataRow("Zm9v", "foo")]
        [DataRow("Zm9vYg==", "foob")]
        [DataRow("Zm9vYmE=", "fooba")]
        [DataRow("Zm9vYmFy", "foobar")]
        public void Decode_Rfc4648Vectors_GiveTheText(string base64, string text)
        {
            CollectionAssert.AreEqual(TestBytes.Utf8(text), TestBase64.Decode(base64), text);
        }

        [TestMethod]
        public void Decode_WholeAlphabet_PacksEachSixBitValueInOrder()
        {
            byte[] decoded = TestBase64.Decode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
            Assert.AreEqual(48, decoded.Length);
            for (int bit = 0; bit < 384; bit++)
            {
                int symbolBit = ((bit / 6) >> (5 - (bit % 6))) & 1;
                int decodedBit = (decoded[bit / 8] >> (7 - (bit % 8))) & 1;
                Assert.AreEqual(symbolBit, decodedBit, "bit " + bit);
            }
        }

        [DataRow("Zg=")]
        [DataRow("Zg")]
        [DataRow("Z===")]
        [DataRow("====")]
        [DataRow("Zh==")]
        [DataRow("Zm9=")]
        [DataRow("Zm=v")]
        [DataRow("Zg==Zm9v")]
        [DataRow("Zm9 ")]
        [DataRow("Zm9v-A==")]
        public void Decode_Malformed_Throws(string base64)
        {
            Assert.ThrowsException(typeof(System.ArgumentException), () => TestBase64.Decode(base64), base64);
        }
    }
}
