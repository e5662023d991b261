using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Sha512Tests
    {
        [TestMethod]
        public void Hash_EmptyMessage_MatchesFips()
        {
            AssertDigest(new byte[0], "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
        }

        [TestMethod]
        public void Hash_Abc_MatchesFips180Example()
        {
            AssertDigest(TestBytes.Utf8("abc"), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
        }

        [TestMethod]
        public void Hash_TwoBlockMessage_MatchesFips180Example()
        {
            AssertDigest(
                TestBytes.Utf8("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
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
            Assert.AreEqual(
                "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
                Hex.Encode(digest, 0, 64));
        }

        // Known answers from Python's hashlib over TestBytes.Pattern(length): every padding case around the 128-byte block
        // (a message of 112 or more bytes in the last block forces an extra padding block).
        [DataRow(55, "14fd424b1fcadee624da946ab03f7e1def7c0d6e00f689594319881a26ff30b875ba4c622ac13100c8cc784c9c2eb23159aecbb4a02e3999062f551193e2b256")]
        [DataRow(56, "480fa85be41ef55a41208ca28ffc8743c91cf7d24758defe6f95bfb16de614fc86b701034896b047dd571de4318853d80e0809df162f1752cb26da6ddb94a0dd")]
        [DataRow(63, "ecd42a703a4e93e163d60d55e3785b1a763838b0351bc2e6f7c94b4bfb24f9aa15da5d744ebcebe11f0fc4315d45ba3a047b6e60e07448357f2795bf34b73502")]
        [DataRow(64, "8f3cc30b3fb5bf963688a46488249248ac2c67f0f85a145233c6c1e3c16dcd1df634c07d1d31da02576f65b9cf64e1c3fdb318b689b8a14e2e9552bcf30fb133")]
        [DataRow(65, "22050d1b2c5bd016c4b04c3e84f513ffbbbc057f83dc9ab196fee6684e5ee19d98b84c6538b3c5e1fc67dbc484e9d0a198254e41d0fa0cf5106991e106632419")]
        [DataRow(111, "68cffa6d0d76f309c9ce0d35280939f8e25990c43b7b086ccdf709be35b07d4ddba599541ff2b1c19d34ea49aeafb9659adb7ac3c0b078bb30a22d57fc6687ef")]
        [DataRow(112, "d0865c524d1dddf7c23b799c413f5adcd7caefd3f66a9b49750ec81066012c25a8bcf94ddea6dc525691673097ca40e0101e897fc97218cfdb0704084e2bef4b")]
        [DataRow(127, "e0b6a20f1c0c88970a9340152cd5a1c1ecf3d3b8de55102741879438079473540133b812706e5dbec322c8c9523b6fc8c6d16ee626e87ad5fe3d2916afedc369")]
        [DataRow(128, "99b16f17aa0b969a5b8f08f367719d516e330ccd2660b6f0688ec031dbc783de50a1cd185a2568dba75070a2403d17d4741d163578515dfd2ff756ddfe4d47b1")]
        [DataRow(129, "a1556e29185778aa5991e34b8884c840d589f0fbb4b8ed590e51e9ac4eb03a008125000db2671f8fe7f485b59a77b518670078ecb41a54b4cd02a7f1d2ca4c6d")]
        public void Hash_BlockBoundaryLengths_MatchKnownAnswers(int length, string expectedHex)
        {
            AssertDigest(TestBytes.Pattern(length), expectedHex);
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

        private static void AssertDigest(byte[] message, string expectedHex)
        {
            byte[] digest = new byte[64];
            new Sha512().Hash(message, 0, message.Length, digest, 0);
            Assert.AreEqual(expectedHex, Hex.Encode(digest, 0, 64));
        }
    }
}
