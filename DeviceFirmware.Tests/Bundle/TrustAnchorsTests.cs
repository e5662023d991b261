using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class TrustAnchorsTests
    {
        [TestMethod]
        public void TryAdd_FifthOrDuplicateRoot_IsRefused()
        {
            TrustAnchors anchors = new TrustAnchors();
            for (int i = 0; i < TrustAnchors.MaxRoots; i++)
            {
                bool added = anchors.TryAdd(Key(i), 0);
                Assert.IsTrue(added);
            }

            bool fifth = anchors.TryAdd(Key(9), 0);
            Assert.IsFalse(fifth);
            Assert.AreEqual(TrustAnchors.MaxRoots, anchors.Count);
            TrustAnchors one = new TrustAnchors();
            one.TryAdd(Key(1), 0);
            bool duplicate = one.TryAdd(Key(1), 0);
            Assert.IsFalse(duplicate);
            Assert.AreEqual(1, one.Count);
        }

        [TestMethod]
        public void IndexOf_FingerprintAtAnOffset_FindsTheRootAddedFromAnOffset()
        {
            // The fingerprint is the first 8 bytes of SHA-256 of the 32-byte key, wherever key and fingerprint sit.
            byte[] padded = new byte[40];
            System.Array.Copy(Key(2), 0, padded, 5, 32);
            TrustAnchors anchors = new TrustAnchors();
            anchors.TryAdd(Key(1), 0);
            anchors.TryAdd(padded, 5);
            byte[] digest = new byte[32];
            new Sha256().Hash(Key(2), 0, 32, digest, 0);
            byte[] probe = new byte[11];
            System.Array.Copy(digest, 0, probe, 3, 8);
            int found = anchors.IndexOf(probe, 3);
            Assert.AreEqual(1, found);
            byte[] fingerprint = new byte[10];
            TrustAnchors.Fingerprint(padded, 5, fingerprint, 2);
            bool fingerprintIsTheDigestPrefix = SecureDevice.Core.ByteRange.ConstantTimeEquals(digest, 0, fingerprint, 2, 8);
            Assert.IsTrue(fingerprintIsTheDigestPrefix);
            probe[10] ^= 1;
            int lastByteDiffers = anchors.IndexOf(probe, 3);
            Assert.AreEqual(-1, lastByteDiffers);
            bool keyKept = SecureDevice.Core.ByteRange.ConstantTimeEquals(Key(2), 0, anchors.PublicKey(1), 0, 32);
            Assert.IsTrue(keyKept);
        }

        [TestMethod]
        public void PublicKey_OutsideTheRoots_Throws()
        {
            TrustAnchors anchors = new TrustAnchors();
            anchors.TryAdd(Key(1), 0);
            System.Action below = () => anchors.PublicKey(-1);
            System.Action past = () => anchors.PublicKey(1);
            Assert.AreEqual("index", ThrownArgument.Name(below));
            Assert.AreEqual("index", ThrownArgument.Name(past));
        }

        [TestMethod]
        public void PublicKey_CallerChangesItsBufferAfterAdding_KeyIsUnchanged()
        {
            byte[] key = Key(3);
            TrustAnchors anchors = new TrustAnchors();
            anchors.TryAdd(key, 0);
            key[0] ^= 1;
            int found = anchors.IndexOf(Fingerprint(Key(3)), 0);
            Assert.AreEqual(0, found);
            Assert.AreEqual((int)Key(3)[0], (int)anchors.PublicKey(0)[0]);
        }

        private static byte[] Key(int seed)
        {
            byte[] key = new byte[32];
            for (int i = 0; i < key.Length; i++)
            {
                key[i] = (byte)((seed * 37) + i);
            }

            return key;
        }

        private static byte[] Fingerprint(byte[] key)
        {
            byte[] fingerprint = new byte[TrustAnchors.FingerprintSize];
            TrustAnchors.Fingerprint(key, 0, fingerprint, 0);
            return fingerprint;
        }

        [TestMethod]
        public void FingerprintAndIndexOf_RangeOutsideTheBuffer_ThrowNamingOffset()
        {
            Assert.AreEqual("offset", ThrownArgument.Name(() => TrustAnchors.Fingerprint(Key(1), 0, new byte[TrustAnchors.FingerprintSize], 1)));
            Assert.AreEqual("offset", ThrownArgument.Name(() => new TrustAnchors().IndexOf(new byte[4], 0)));
        }
    }
}
