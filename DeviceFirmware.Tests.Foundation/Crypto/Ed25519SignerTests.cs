using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Ed25519SignerTests
    {
        // RFC 8032 §7.1 test vectors, each reproduced with OpenSSL; the bytes are in base64 and each signature is given as R
        // and S, to keep NFUnitTest's string table small. TEST 1024 (a 1023-byte message) is in Support/Rfc8032.cs.
        [DataRow("TEST 1", "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "", "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVU=", "X7iCFZCjO6zGHjlwHPm0a9Jb9fBZW74kZVFBQ456EAs=")]
        [DataRow("TEST 2", "TM0Imyj/ltqdtsNG7BFOD1uKMZ81q6Yk2oz27U+4pvs=", "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=", "cg==", "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbado=", "CFrB5D4VmW5FjzYT0PEdjDh7Lq60MCrusA0pFhK7DAA=")]
        [DataRow("TEST 3", "xaqN9D+fg3vtt0QvMdy3sWbThTUHbwlLhc46LgtEWPc=", "/FHNjmIYoaONpH7QAjDwWAgW7RO6MwOsXeuRFUiQgCU=", "r4I=", "YpHWV97sJAJIJ+acOr4BowzlSKKEdDpEXjaA19taw6w=", "GP+bU40W8pCuZ/dgmE3GWUp8FelxbtKNwCe+zuoexAo=")]
        [DataRow("TEST SHA(abc)", "gz/mJAkje51i7HdYdSCRHpp1nOwdGXVbfakBuW3KPUI=", "7Bcrk61eVjv0kyxw4SRQNMNUZ+8u/U1k6/gZaDRn4r8=", "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==", "3CpEWec2ljOlKxvyd4OaACAQCaPvvz7Lab6iGGwmtYk=", "CTUfyayQs+z9+8fGZDHgMD3KF5wTisF62b7xF3MxpwQ=")]
        public void SignAndDerive_Rfc8032Vectors_MatchExactly(string name, string seedBase64, string publicBase64, string messageBase64, string rBase64, string sBase64)
        {
            AssertSignsAndDerives(name, seedBase64, publicBase64, TestBase64.Decode(messageBase64), Rfc8032.Signature(rBase64, sBase64));
        }

        [TestMethod]
        public void SignAndDerive_Rfc8032Test1024_MatchesExactly()
        {
            byte[] signature = Rfc8032.Signature(Rfc8032.Test1024R, Rfc8032.Test1024S);
            AssertSignsAndDerives("TEST 1024", Rfc8032.Test1024Seed, Rfc8032.Test1024Public, Rfc8032.Test1024Message(), signature);
        }

        [TestMethod]
        public void Sign_RandomKeysAndMessages_VerifyAndAreDeterministic()
        {
            TestRandom random = new TestRandom(8032);
            Ed25519Signer signer = new Ed25519Signer();
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] seed = new byte[32];
            byte[] publicKey = new byte[32];
            byte[] first = new byte[64];
            byte[] second = new byte[64];
            for (int round = 0; round < 12; round++)
            {
                random.Fill(seed, 0, 32);
                byte[] message = new byte[random.Next(300)];
                random.Fill(message, 0, message.Length);
                signer.DerivePublicKey(seed, 0, publicKey, 0);
                signer.Sign(seed, 0, message, 0, message.Length, first, 0);
                signer.Sign(seed, 0, message, 0, message.Length, second, 0);
                CollectionAssert.AreEqual(first, second, "deterministic round " + round);
                Assert.AreEqual((int)Ed25519Status.Valid, (int)verifier.Verify(publicKey, message, 0, message.Length, first), "round " + round);
            }
        }

        [TestMethod]
        public void Sign_AtOffsets_MatchesSignatureAtZero()
        {
            Ed25519Signer signer = new Ed25519Signer();
            byte[] seed = TestBase64.Decode("TM0Imyj/ltqdtsNG7BFOD1uKMZ81q6Yk2oz27U+4pvs=");
            byte[] paddedSeed = new byte[40];
            System.Array.Copy(seed, 0, paddedSeed, 5, 32);
            byte[] message = TestBytes.Utf8("xxhello");
            byte[] expected = new byte[64];
            byte[] actual = new byte[70];
            signer.Sign(seed, 0, TestBytes.Utf8("hello"), 0, 5, expected, 0);
            signer.Sign(paddedSeed, 5, message, 2, 5, actual, 3);
            CollectionAssert.AreEqual(expected, TestBytes.Slice(actual, 3, 64));
        }

        // The secret scalar, the nonce and what they were hashed into are cleared after every call, also when a range
        // is refused (checked before the seed is expanded).
        [TestMethod]
        public void SignAndDerive_AfterTheCallOrARefusedRange_SecretsAreWiped()
        {
            Ed25519Signer signer = new Ed25519Signer();
            byte[] seed = TestBytes.Pattern(32);
            byte[] message = TestBytes.Utf8("wipe");
            signer.Sign(seed, 0, message, 0, 4, new byte[64], 0);
            AssertWiped(signer);
            signer.DerivePublicKey(seed, 0, new byte[32], 0);
            AssertWiped(signer);
            System.Type range = typeof(System.ArgumentOutOfRangeException);
            Assert.ThrowsException(range, () => signer.DerivePublicKey(seed, 0, new byte[32], 1));
            AssertWiped(signer);
            Assert.ThrowsException(range, () => signer.Sign(seed, 0, message, 1, 4, new byte[64], 0));
            AssertWiped(signer);
            Assert.ThrowsException(range, () => signer.Sign(seed, 0, message, 0, 4, new byte[64], 1));
            AssertWiped(signer);
        }

        private static void AssertWiped(Ed25519Signer signer)
        {
            string[] names = new string[] { "_expanded", "_digest", "_r" };
            System.Reflection.BindingFlags flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
            for (int n = 0; n < names.Length; n++)
            {
                byte[] field = (byte[])typeof(Ed25519Signer).GetField(names[n], flags).GetValue(signer);
                for (int i = 0; i < field.Length; i++)
                {
                    Assert.AreEqual(0, (int)field[i], names[n]);
                }
            }

            long[] scratch = (long[])typeof(Ed25519Signer).GetField("_scalarScratch", flags).GetValue(signer);
            for (int i = 0; i < scratch.Length; i++)
            {
                Assert.AreEqual(0L, scratch[i]);
            }
        }

        private static void AssertSignsAndDerives(string name, string seedBase64, string publicBase64, byte[] message, byte[] expectedSignature)
        {
            Ed25519Signer signer = new Ed25519Signer();
            byte[] seed = TestBase64.Decode(seedBase64);
            byte[] publicKey = new byte[32];
            byte[] signature = new byte[64];
            signer.DerivePublicKey(seed, 0, publicKey, 0);
            signer.Sign(seed, 0, message, 0, message.Length, signature, 0);
            CollectionAssert.AreEqual(TestBase64.Decode(publicBase64), publicKey, name + " public key");
            CollectionAssert.AreEqual(expectedSignature, signature, name + " signature");
        }
    }
}
