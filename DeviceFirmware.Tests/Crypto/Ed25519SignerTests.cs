using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Ed25519SignerTests
    {
        // RFC 8032 §7.1 test vectors (TEST 1024's message is 1023 bytes, as in the RFC), each reproduced with OpenSSL; the
        // bytes are in base64 to keep NFUnitTest's string table small.
        [DataRow("TEST 1", "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "", "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw==")]
        [DataRow("TEST 2", "TM0Imyj/ltqdtsNG7BFOD1uKMZ81q6Yk2oz27U+4pvs=", "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=", "cg==", "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbadoIWsHkPhWZbkWPNhPQ8R2MOHsurrQwKu6wDSkWErsMAA==")]
        [DataRow("TEST 3", "xaqN9D+fg3vtt0QvMdy3sWbThTUHbwlLhc46LgtEWPc=", "/FHNjmIYoaONpH7QAjDwWAgW7RO6MwOsXeuRFUiQgCU=", "r4I=", "YpHWV97sJAJIJ+acOr4BowzlSKKEdDpEXjaA19taw6wY/5tTjRbykK5n92CYTcZZSnwV6XFu0o3AJ77O6h7ECg==")]
        [DataRow("TEST 1024", "9eV2fPFTMZUXYw8iaHa4bIFgzFg7wBN0TGvyVfXMDuU=", "J4EX/BRMcjQPZ9DyMW6Dhs7/vyskKMnFH+98WX8dQm4=", "CLiytzNCQkN2D+QmpLVJCGMhEKZsL2WR6r0zRePk65j6biZL8J7+Eu5Q+PVOn3ex41X2xQVE4j+xQz3fc76E2HnefABG3EmW2edz9Lye/lc4gprbJsgbN8k6GycLIDKdZYZ1/G6lNOCBCkQygmv1jJQe+2XVejOLvS4mZA+J/7wahY78uFUO46XhmYvRd+k6c2PDRP5rGZ7l0C6C1SLE/roVRS+AKIqCGleRFuxtrSs7MQ2pA0AapiEAq10aNlU+BiA7M4kMybgy9574BWDMuaOc52eWftYoxq1XPLEW2+/v11SZ2pa9aKipe5KKi7wQO2Yh/N4r7KEjHSBr5s2ex6/29slPzXIE7TRVxoyD9KQdpK8rdO9cU/HYrHC9y37Rhc6BvYQ1nUQlTZVinphVqUp8GVjR+K2l0FMu2KWqP7LRe6cOtiSOWU4aIpesu7OdUC8ajG628c4is94aH0DMJFVBGagxqarWB5ytiEJd5r3hqRh+u2CSz2e/KxP9ZfJwiNeLfog8h1nSxPXGWtt1U4eK1XX5+th46AoMm6Y7y8wnMuaUhbvJyQv71iSB2Qib7M+Az+LfFqLPZb2S3Vl7BwfgkXr0i7t1/tQT0jj1VVp6Vp2Aw0FKjQhZ3GWkYSi6snr4enExTzGMeCsj6/6Ai4KwziZAHS4i8E2D0SVdxRrd07daKxrgeEUE31Q6+Jab4+pwgv9/yYiMFE2ir1hCnslgMdvK09rZrw3Lqq8mjLj8/+rZTzx8pJXgVqm0es23Uftz5mbGxlWt6Clyl9B60bpeQ/G8oyMBZRM54ikEzIxC9YwwwEqv2wON2ghH3ZiNzabzv9FcS0xFJQBKoG7v+MpheDqs7Ff7PR+SsP4v0ahfZyRRe2XmFK1oCNb27jTf9zEP3IKuv9kEsB4dxUspJwlLLbaNb5A7aEAa3r9afgjXj/TvXWNlOmUEDPm/1KynmEp003FFmGeA/AsWrEUWSd5hiKfb3xkfZLX8Xiq0e1f39yds1BnBejyo4bk5rknkiKy6a5ZWELVIAQnIsXuA4be3UN/HWY1dUBH9LcxWAKMu9bUqHsyCDjCKo0JyGqwJQ79mhrZLJXk3ZQTMxJPZfmrtP7D5zXGkPdSX8B8XwOLLN5eqKi8lZlYWjmxJavxfuTJG9rERY5ijRvGmQfOwQemJ95FPkMwsf/81eHblBrUNM0unfCJbwwe6U3FS8/FhDk6v5ZX22dkNEfqpM6Fe8TaVRoaKfzpFqWdo1A/Z0DQSwJHGMVz0/efLaGBpNzgNsuqqcHtMQYXDLt3N0wZwXk3B/8hy7u5HWmTfrIarpBwGGJg/h0HF72jToQHoo7jKxgyQXBX8kQhAuUwAoLnQ", "CqtMkAUBs+JNfN9GYzJqOoffXkhDssvbZ8v25GD+w1CqU3GxUI+fRSjs6iPENtlLXo/NT2geMKasAKlwShiKAw==")]
        [DataRow("TEST SHA(abc)", "gz/mJAkje51i7HdYdSCRHpp1nOwdGXVbfakBuW3KPUI=", "7Bcrk61eVjv0kyxw4SRQNMNUZ+8u/U1k6/gZaDRn4r8=", "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==", "3CpEWec2ljOlKxvyd4OaACAQCaPvvz7Lab6iGGwmtYkJNR/JrJCz7P37x8ZkMeAwPcoXnBOKwXrZvvEXczGnBA==")]
        public void SignAndDerive_Rfc8032Vectors_MatchExactly(string name, string seedBase64, string publicBase64, string messageBase64, string signatureBase64)
        {
            Ed25519Signer signer = new Ed25519Signer();
            byte[] seed = TestBase64.Decode(seedBase64);
            byte[] message = TestBase64.Decode(messageBase64);
            byte[] publicKey = new byte[32];
            byte[] signature = new byte[64];
            signer.DerivePublicKey(seed, 0, publicKey, 0);
            signer.Sign(seed, 0, message, 0, message.Length, signature, 0);
            CollectionAssert.AreEqual(TestBase64.Decode(publicBase64), publicKey, name + " public key");
            CollectionAssert.AreEqual(TestBase64.Decode(signatureBase64), signature, name + " signature");
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
    }
}
