using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Sha512Tests
    {
        [TestMethod]
        public void Hash_EmptyMessage_MatchesFips()
        {
            AssertDigest(new byte[0], "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==");
        }

        [TestMethod]
        public void Hash_Abc_MatchesFips180Example()
        {
            AssertDigest(TestBytes.Utf8("abc"), "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==");
        }

        [TestMethod]
        public void Hash_TwoBlockMessage_MatchesFips180Example()
        {
            AssertDigest(
                TestBytes.Utf8("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                "jpWbddrjE9qM9PcoFPwUP493ecbrn3+hcpmurbaIkBhQHSieSQD35DMbmd7EtUM6x9Mp7rbdJlReluVbh0vpCQ==");
        }

        [TestMethod]
        public void Hash_OneMillionA_MatchesFips180Example()
        {
            Sha512 sha = new Sha512();
            byte[] chunk = new byte[1000];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (byte)'a';
            }

            for (int i = 0; i < 1000; i++)
            {
                sha.Append(chunk, 0, chunk.Length);
            }

            byte[] digest = new byte[64];
            sha.Finish(digest, 0);
            CollectionAssert.AreEqual(TestBase64.Decode("5xhIPQznaWROLkLHvBW0Y44fmLE7IEQoVjKoA6+pc+veD/JEh36mCkywQyzld8Mb6wCcXCxJqi5OrbIXrYzAmw=="), digest);
        }

        // Known answers (in base64) from Python's hashlib over TestBytes.Pattern(length): every padding case around the 128-byte block
        // (a message of 112 or more bytes in the last block forces an extra padding block).
        [DataRow(55, "FP1CSx/K3uYk2pRqsD9+He98DW4A9olZQxmIGib/MLh1ukxiKsExAMjMeEycLrIxWa7LtKAuOZkGL1URk+KyVg==")]
        [DataRow(56, "SA+oW+Qe9VpBIIyij/yHQ8kc99JHWN7+b5W/sW3mFPyGtwEDSJawR91XHeQxiFPYDggJ3xYvF1LLJtpt25Sg3Q==")]
        [DataRow(63, "7NQqcDpOk+Fj1g1V43hbGnY4OLA1G8Lm98lLS/sk+aoV2l10Trzr4R8PxDFdRbo6BHtuYOB0SDV/J5W/NLc1Ag==")]
        [DataRow(64, "jzzDCz+1v5Y2iKRkiCSSSKwsZ/D4WhRSM8bB48FtzR32NMB9HTHaAldvZbnPZOHD/bMYtom4oU4ulVK88w+xMw==")]
        [DataRow(65, "IgUNGyxb0BbEsEw+hPUT/7u8BX+D3Jqxlv7maE5e4Z2YuExlOLPF4fxn28SE6dChmCVOQdD6DPUQaZHhBmMkGQ==")]
        [DataRow(111, "aM/6bQ128wnJzg01KAk5+OJZkMQ7ewhszfcJvjWwfU3bpZlUH/KxwZ006kmur7llmtt6w8CweLswoi1X/GaH7w==")]
        [DataRow(112, "0IZcUk0d3ffCO3mcQT9a3NfK79P2aptJdQ7IEGYBLCWovPlN3qbcUlaRZzCXykDgEB6Jf8lyGM/bBwQITivvSw==")]
        [DataRow(127, "4LaiDxwMiJcKk0AVLNWhwezz07jeVRAnQYeUOAeUc1QBM7gScG5dvsMiyMlSO2/IxtFu5iboetX+PSkWr+3DaQ==")]
        [DataRow(128, "mbFvF6oLlppbjwjzZ3GdUW4zDM0mYLbwaI7AMdvHg95Qoc0YWiVo26dQcKJAPRfUdB0WNXhRXf0v91bd/k1HsQ==")]
        [DataRow(129, "oVVuKRhXeKpZkeNLiITIQNWJ8Pu0uO1ZDlHprE6wOgCBJQANsmcfj+f0hbWad7UYZwB47LQaVLTNAqfx0spMbQ==")]
        public void Hash_BlockBoundaryLengths_MatchKnownAnswers(int length, string expectedBase64)
        {
            AssertDigest(TestBytes.Pattern(length), expectedBase64);
        }

        [TestMethod]
        public void Append_RandomChunks_EqualsOneShot()
        {
            HashChecks.StreamingEqualsOneShot(new Sha512(), new Sha512(), 512);
        }

        [TestMethod]
        public void Finish_ResetsForTheNextMessage()
        {
            HashChecks.FinishAndResetStartOver(new Sha512());
        }

        [TestMethod]
        public void Finish_WritesAtOffsetOnly()
        {
            HashChecks.FinishWritesOnlyItsRange(new Sha512());
        }

        [TestMethod]
        public void Append_RangeOutsideBuffer_Throws()
        {
            HashChecks.BadRangesThrow(new Sha512());
        }

        private static void AssertDigest(byte[] message, string expectedBase64)
        {
            byte[] digest = new byte[64];
            new Sha512().Hash(message, 0, message.Length, digest, 0);
            CollectionAssert.AreEqual(TestBase64.Decode(expectedBase64), digest);
        }
    }
}
