using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class BundleVerifierTests
    {
        [TestMethod]
        public void VerifyForInstall_ValidChain_IsVerified()
        {
            TestBundle bundle = new TestBundle(new TestRandom(31));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            Assert.AreEqual((int)BundleStatus.Verified, (int)Install(verifier, bundle, new RevocationList(), TestBundle.Now, true), verifier.Detail);
            Assert.IsNotNull(verifier.Manifest);
            Assert.AreEqual("release-2026", verifier.Delegation.KeyId);
        }

        [TestMethod]
        public void VerifyForInstall_RootNotTrusted_IsUnknownRoot()
        {
            TestBundle bundle = new TestBundle(new TestRandom(32));
            TestBundle other = new TestBundle(new TestRandom(33));
            BundleVerifier verifier = new BundleVerifier(other.Anchors());
            BundleStatus status = Install(verifier, bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.UnknownRoot, (int)status);
            Assert.AreEqual("delegation names an untrusted root", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_DelegationSignedByAnotherKey_IsRejected()
        {
            // Right fingerprint, wrong signer: a forged delegation naming the trusted root.
            TestBundle bundle = new TestBundle(new TestRandom(34));
            TestKeys forger = new TestKeys(new TestRandom(35));
            byte[] delegation = TestBundle.Frame(TestBytes.Utf8(bundle.DelegationBody()), forger);
            byte[] manifest = bundle.Manifest();
            byte[] signature = bundle.Sign(manifest);
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.DelegationSignatureInvalid, (int)status);
            Assert.AreEqual("root signature over the delegation is invalid", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_EveryByteFlipOfTheDelegation_IsRejected()
        {
            TestBundle bundle = new TestBundle(new TestRandom(36));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            byte[] manifest = bundle.Manifest();
            byte[] signature = bundle.Sign(manifest);
            byte[] delegation = bundle.Delegation();
            for (int i = 0; i < delegation.Length; i++)
            {
                delegation[i] ^= 0x01;
                BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true);
                delegation[i] ^= 0x01;
                Assert.AreNotEqual((int)BundleStatus.Verified, (int)status, "byte " + i);
            }
        }

        [TestMethod]
        public void VerifyForInstall_EveryByteFlipOfManifestOrSignature_IsABadSignature()
        {
            TestBundle bundle = new TestBundle(new TestRandom(37));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            byte[] manifest = bundle.Manifest();
            byte[] signature = bundle.Sign(manifest);
            byte[] delegation = bundle.Delegation();
            for (int i = 0; i < manifest.Length; i += 3)
            {
                manifest[i] ^= 0x20;
                BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true);
                manifest[i] ^= 0x20;
                Assert.AreEqual((int)BundleStatus.ManifestSignatureInvalid, (int)status, "manifest byte " + i);
            }

            for (int i = 0; i < 64; i++)
            {
                signature[i] ^= 0x80;
                BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true);
                signature[i] ^= 0x80;
                Assert.AreEqual((int)BundleStatus.ManifestSignatureInvalid, (int)status, "signature byte " + i);
            }
        }

        [DataRow(1767225599L, (int)BundleStatus.DelegationNotYetValid)]
        [DataRow(1767225600L, (int)BundleStatus.Verified)]
        [DataRow(1830297599L, (int)BundleStatus.Verified)]
        [DataRow(1830297600L, (int)BundleStatus.DelegationExpired)]
        public void VerifyForInstall_DelegationWindow_IsHalfOpen(long now, int expected)
        {
            TestBundle bundle = new TestBundle(new TestRandom(38));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, null, now, true);
            Assert.AreEqual(expected, (int)status);
            string detail = expected == (int)BundleStatus.DelegationNotYetValid ? "delegation release-2026 is not yet valid"
                : expected == (int)BundleStatus.DelegationExpired ? "delegation release-2026 has expired" : null;
            Assert.AreEqual(detail, verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_WithoutTrustedTime_FailsClosed()
        {
            TestBundle bundle = new TestBundle(new TestRandom(39));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, null, TestBundle.Now, false);
            Assert.AreEqual((int)BundleStatus.TimeUnknown, (int)status);
            Assert.AreEqual("no trusted time to check the delegation's validity", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_RevokedKey_IsRejected()
        {
            TestBundle bundle = new TestBundle(new TestRandom(40));
            RevocationList revoked = new RevocationList();
            revoked.Add("release-2026");
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, revoked, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.KeyRevoked, (int)status);
            Assert.AreEqual("signing key release-2026 is revoked", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_ManifestNamesAnotherKey_IsSignerMismatch()
        {
            TestBundle bundle = new TestBundle(new TestRandom(41));
            bundle.DelegatedKeyId = "release-2026";
            bundle.KeyId = "release-2027";
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.SignerMismatch, (int)status);
            Assert.AreEqual("manifest names key release-2027 but was signed by release-2026", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_ProductOutsideDelegation_IsRejected()
        {
            TestBundle bundle = new TestBundle(new TestRandom(42));
            bundle.DelegationProducts = "\"gateway\"";
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.ProductNotDelegated, (int)status);
            Assert.AreEqual("key release-2026 may not sign for product sensor", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_SecurityVersionBelowDelegationMinimum_IsRejected()
        {
            TestBundle bundle = new TestBundle(new TestRandom(43));
            bundle.MinSecurityVersion = 4;
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.SecurityVersionNotDelegated, (int)status);
            Assert.AreEqual("key release-2026 may sign only security version 4 and up", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_SecurityVersionAtTheDelegationMinimum_IsVerified()
        {
            TestBundle bundle = new TestBundle(new TestRandom(49));
            bundle.MinSecurityVersion = bundle.SecurityVersion;
            BundleStatus status = Install(new BundleVerifier(bundle.Anchors()), bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void VerifyForInstall_SignedButMalformedManifest_IsMalformedWithOffset()
        {
            TestBundle bundle = new TestBundle(new TestRandom(44));
            bundle.Version = "1.1";
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = Install(verifier, bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.ManifestMalformed, (int)status);
            Assert.StartsWith("malformed manifest at byte ", verifier.Detail);
            Assert.IsNull(verifier.Manifest);
        }

        [TestMethod]
        public void VerifyForInstall_SignatureOfWrongLength_IsMalformed()
        {
            TestBundle bundle = new TestBundle(new TestRandom(45));
            byte[] manifest = bundle.Manifest();
            byte[] delegation = bundle.Delegation();
            byte[] signature = new byte[65];
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 65, delegation, 0, delegation.Length, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.SignatureMalformed, (int)status);
            Assert.AreEqual("manifest signature must be 64 bytes", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForBoot_IgnoresTimeAndRevocationButNotSignatures()
        {
            TestBundle bundle = new TestBundle(new TestRandom(46));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            byte[] manifest = bundle.Manifest();
            byte[] signature = bundle.Sign(manifest);
            byte[] delegation = bundle.Delegation();
            BundleStatus status = verifier.VerifyForBoot(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
            signature[3] ^= 1;
            status = verifier.VerifyForBoot(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length);
            Assert.AreEqual((int)BundleStatus.ManifestSignatureInvalid, (int)status);
            Assert.AreEqual("manifest signature is invalid for key release-2026", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_SecondRootOfTheSet_IsFound()
        {
            TestBundle bundle = new TestBundle(new TestRandom(47));
            TrustAnchors anchors = new TrustAnchors();
            bool added = anchors.TryAdd(new TestKeys(new TestRandom(48)).PublicKey, 0);
            Assert.IsTrue(added);
            added = anchors.TryAdd(bundle.Root.PublicKey, 0);
            Assert.IsTrue(added);
            Assert.IsFalse(anchors.TryAdd(bundle.Root.PublicKey, 0), "the same root twice");
            BundleStatus status = Install(new BundleVerifier(anchors), bundle, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void Constructor_NullAnchors_ThrowsNamingThem()
        {
            Assert.AreEqual("anchors", ThrownArgument.Name(() => new BundleVerifier(null)));
        }

        [TestMethod]
        public void VerifyForInstall_DelegationTooShort_MalformedWithWhere()
        {
            TestBundle bundle = new TestBundle(new TestRandom(50));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            byte[] manifest = bundle.Manifest();
            byte[] signature = bundle.Sign(manifest);
            BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 64, new byte[12], 0, 12, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.DelegationMalformed, (int)status);
            Assert.AreEqual("malformed delegation at byte 0: bad frame", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_ManifestAtOrOverTheLimit_CheckedOrRefusedAsTooLarge()
        {
            // Exactly 4096 bytes is allowed, so its (wrong) signature is checked; one byte more is refused unread.
            TestBundle bundle = new TestBundle(new TestRandom(51));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            byte[] delegation = bundle.Delegation();
            byte[] manifest = new byte[4097];
            byte[] signature = new byte[64];
            BundleStatus status = verifier.VerifyForInstall(manifest, 0, 4096, signature, 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.ManifestSignatureInvalid, (int)status);
            status = verifier.VerifyForInstall(manifest, 0, 4097, signature, 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.ManifestMalformed, (int)status);
            Assert.AreEqual("malformed manifest: larger than 4096 bytes", verifier.Detail);
        }

        [TestMethod]
        public void VerifyForInstall_RangeOutsideItsBufferEvenWhenTooLarge_ThrowsNamingOffset()
        {
            // A range outside its buffer is a caller bug: an exception, never a status that hides it.
            TestBundle bundle = new TestBundle(new TestRandom(52));
            BundleVerifier verifier = new BundleVerifier(bundle.Anchors());
            byte[] delegation = bundle.Delegation();
            byte[] manifest = new byte[5000];
            Assert.AreEqual("offset", ThrownArgument.Name(() => verifier.VerifyForInstall(manifest, 0, 5000, new byte[64], 1, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true)));
            Assert.AreEqual("offset", ThrownArgument.Name(() => verifier.VerifyForInstall(manifest, 1, 5000, new byte[64], 0, 64, delegation, 0, delegation.Length, null, TestBundle.Now, true)));
        }

        private static BundleStatus Install(BundleVerifier verifier, TestBundle bundle, RevocationList revoked, long now, bool timeKnown)
        {
            byte[] manifest = bundle.Manifest();
            byte[] signature = bundle.Sign(manifest);
            byte[] delegation = bundle.Delegation();
            return verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, 64, delegation, 0, delegation.Length, revoked, now, timeKnown);
        }
    }
}
