using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Sha256Tests
    {
        [TestMethod]
        public void Hash_EmptyMessage_MatchesFips()
        {
            AssertDigest(new byte[0], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        }

        [TestMethod]
        public void Hash_Abc_MatchesFips180Example()
        {
            AssertDigest(TestBytes.Utf8("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        }

        [TestMethod]
        public void Hash_TwoBlockMessage_MatchesFips180Example()
        {
            AssertDigest(
                TestBytes.Utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                "JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE=");
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
            CollectionAssert.AreEqual(TestBase64.Decode("zcduXJkU+5KBocfihNc+Z/GAmkiklyAOBG05zMcRLNA="), digest);
        }

        // Known answers (in base64) from Python's hashlib over TestBytes.Pattern(length): every padding case around the 64-byte block.
        [DataRow(55, "5zE9MzwnLmOfeQl4KD+es5LoQ9Dym3AWgoux2qSqxws=")]
        [DataRow(56, "QyTWXzwQNWf1WJxxC8CPhSP5KaknLjrzb8lo5Sq8bCc=")]
        [DataRow(63, "gcgCQhMvIww71Bs+Y7vP8WEHM5VJIUqZYU/yZmRiUFU=")]
        [DataRow(64, "OePXtrXQddN9BTrYmyS0G+9PPCl2DIREfKs/O+GIIkE=")]
        [DataRow(65, "qsym/3T9uyltFlpFzs+gTlEnvACHcPu91IAG8tL66V4=")]
        [DataRow(111, "Z9lJLmKP03bgsu/sjKK5mxI+ICz2IN6ycHKN+Xmy9z4=")]
        [DataRow(112, "lrkoz/hSjbuZYCxwmmW4RstkZ6y4tyLw11jk3Ce/xQg=")]
        [DataRow(127, "qNI+ddk28wPSSIiNmxZe5UP0y6/K08ndKnm9hPqhHQc=")]
        [DataRow(128, "0nQvH0rGu3yisjnuGEArqLP5+OZS0qcpc8K5uhHAjPY=")]
        [DataRow(129, "MH+PwsFiK5J2LoGNOaGF1NZnrUmksHzq4fSvoAipPsQ=")]
        public void Hash_BlockBoundaryLengths_MatchKnownAnswers(int length, string expectedBase64)
        {
            AssertDigest(TestBytes.Pattern(length), expectedBase64);
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

        private static void AssertDigest(byte[] message, string expectedBase64)
        {
            byte[] digest = new byte[32];
            new Sha256().Hash(message, 0, message.Length, digest, 0);
            CollectionAssert.AreEqual(TestBase64.Decode(expectedBase64), digest);
        }
    }
}
