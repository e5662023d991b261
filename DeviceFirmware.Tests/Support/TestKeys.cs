using SecureDevice.Core.Crypto;

namespace SecureDevice.Tests.Support
{
    /// <summary>An Ed25519 key pair generated at test time from a test random stream (no key material lives in the sources).</summary>
    /// <remarks>
    /// Each operation uses a signer of its own: a static one would keep its buffers (some 7 KB on the host) on a board's
    /// heap for the rest of the test run, and count against the budget of whichever test happened to sign first.
    /// </remarks>
    public sealed class TestKeys
    {
        /// <summary>Generates a key pair from <paramref name="random"/>.</summary>
        public TestKeys(TestRandom random)
        {
            Seed = new byte[32];
            random.Fill(Seed, 0, 32);
            PublicKey = new byte[32];
            new Ed25519Signer().DerivePublicKey(Seed, 0, PublicKey, 0);
        }

        /// <summary>The 32-byte private seed.</summary>
        public readonly byte[] Seed;

        /// <summary>The 32-byte public key.</summary>
        public readonly byte[] PublicKey;

        /// <summary>Signs <c>data[offset, +count)</c>.</summary>
        public byte[] Sign(byte[] data, int offset, int count)
        {
            byte[] signature = new byte[64];
            new Ed25519Signer().Sign(Seed, 0, data, offset, count, signature, 0);
            return signature;
        }

        /// <summary>Signs all of <paramref name="data"/>.</summary>
        public byte[] Sign(byte[] data)
        {
            return Sign(data, 0, data.Length);
        }
    }
}
