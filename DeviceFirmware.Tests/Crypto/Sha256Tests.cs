using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Sha256Tests
    {
        [TestMethod]
        public void Hash_EmptyMessage_MatchesFips()
        {
            AssertDigest(new byte[0], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        }

        [TestMethod]
        public void Hash_Abc_MatchesFips180Example()
        {
            AssertDigest(TestBytes.Utf8("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        }

        [TestMethod]
        public void Hash_TwoBlockMessage_MatchesFips180Example()
        {
            AssertDigest(
                TestBytes.Utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        }

        [TestMethod]
        public void Hash_OneMillionA_MatchesFips180Example()
        {
            Sha256 sha = new Sha256();
            byte[] chunk = new byte[1000];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (byte)'a';
            }

            for (int i = 0; i < 1000; i++)
            {
                sha.Append(chunk, 0, chunk.Length);
            }

            byte[] digest = new byte[32];
            sha.Finish(digest, 0);
            Assert.AreEqual("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Hex.Encode(digest, 0, 32));
        }

        // Known answers from Python's hashlib over TestBytes.Pattern(length): every padding case around the 64-byte block.
        [DataRow(55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b")]
        [DataRow(56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27")]
        [DataRow(63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055")]
        [DataRow(64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241")]
        [DataRow(65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e")]
        [DataRow(111, "67d9492e628fd376e0b2efec8ca2b99b123e202cf620deb270728df979b2f73e")]
        [DataRow(112, "96b928cff8528dbb99602c709a65b846cb6467acb8b722f0d758e4dc27bfc508")]
        [DataRow(127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07")]
        [DataRow(128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6")]
        [DataRow(129, "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4")]
        public void Hash_BlockBoundaryLengths_MatchKnownAnswers(int length, string expectedHex)
        {
            AssertDigest(TestBytes.Pattern(length), expectedHex);
        }

        [TestMethod]
        public void Append_RandomChunks_EqualsOneShot()
        {
            HashChecks.StreamingEqualsOneShot(new Sha256(), new Sha256(), 256);
        }

        [TestMethod]
        public void Finish_ResetsForTheNextMessage()
        {
            HashChecks.FinishAndResetStartOver(new Sha256());
        }

        [TestMethod]
        public void Finish_WritesAtOffsetOnly()
        {
            HashChecks.FinishWritesOnlyItsRange(new Sha256());
        }

        [TestMethod]
        public void Append_RangeOutsideBuffer_Throws()
        {
            HashChecks.BadRangesThrow(new Sha256());
        }

        private static void AssertDigest(byte[] message, string expectedHex)
        {
            byte[] digest = new byte[32];
            new Sha256().Hash(message, 0, message.Length, digest, 0);
            Assert.AreEqual(expectedHex, Hex.Encode(digest, 0, 32));
        }
    }
}
