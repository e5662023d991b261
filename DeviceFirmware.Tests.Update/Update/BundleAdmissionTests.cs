using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    /// <summary>
    /// <see cref="BundleAdmission"/> alone: documents as <see cref="DocumentFetch"/> leaves them, a device running the
    /// factory image 1.0.0 (security version 2, floor 2), the usual release 1.1.0 (security version 3).
    /// </summary>
    [TestClass]
    public class BundleAdmissionTests
    {
        [TestMethod]
        public void Admit_SignedNewerRelease_NoneWithItsManifest()
        {
            PhaseFixture f = Active(301);
            BundleAdmission admission = Admission(f);
            UpdateOutcome outcome = admission.Admit(Offer(null), f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
            Assert.AreEqual("1.1.0", admission.Manifest.Version.ToString());
        }

        [TestMethod]
        public void Admit_PinnedDigestIsTheManifests_None()
        {
            PhaseFixture f = Active(302);
            OfferIntake offer = Offer(Hex.Encode(f.Digest, 0, 32));
            UpdateOutcome outcome = Admission(f).Admit(offer, f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
        }

        [TestMethod]
        public void Admit_PinnedDigestDiffersInItsLastByte_OfferMismatch()
        {
            PhaseFixture f = Active(303);
            f.Digest[31] ^= 0x01;
            OfferIntake offer = Offer(Hex.Encode(f.Digest, 0, 32));
            BundleAdmission admission = Admission(f);
            UpdateOutcome outcome = admission.Admit(offer, f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.OfferMismatch, (int)outcome);
            Assert.AreEqual("the manifest served is not the one offered", admission.Detail);
        }

        [TestMethod]
        public void Admit_BundleThatFailedHere_KnownBad()
        {
            PhaseFixture f = Active(304);
            f.Journal.ToDownloading(PhaseFixture.Url, f.Digest);
            f.Journal.Reverted(UpdateOutcome.RevertedTimeout);
            BundleAdmission admission = Admission(f);
            UpdateOutcome outcome = admission.Admit(Offer(null), f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.KnownBad, (int)outcome);
            Assert.AreEqual("this bundle already failed: reverted:timeout", admission.Detail);
        }

        [TestMethod]
        public void Admit_OtherBundleFailedHere_None()
        {
            PhaseFixture f = Active(305);
            byte[] other = new byte[32];
            f.Journal.ToDownloading(PhaseFixture.Url, other);
            f.Journal.Reverted(UpdateOutcome.RevertedTimeout);
            UpdateOutcome outcome = Admission(f).Admit(Offer(null), f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
        }

        [TestMethod]
        public void Admit_SameBundleFailedForFlash_None()
        {
            // storage-failed blames this device's flash, not the bundle: it may be tried again.
            PhaseFixture f = Active(306);
            f.Journal.ToDownloading(PhaseFixture.Url, f.Digest);
            f.Journal.Abandoned(UpdateOutcome.StorageFailed);
            UpdateOutcome outcome = Admission(f).Admit(Offer(null), f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
        }

        [TestMethod]
        public void Admit_SignedByAnotherKey_RejectedBadSignature()
        {
            PhaseFixture f = Active(307);
            TestKeys other = new TestKeys(f.Random);
            f.Fetched(f.ManifestBytes, other.Sign(f.ManifestBytes), f.Release.Delegation());
            UpdateOutcome outcome = Admission(f).Admit(Offer(null), f.Journal, TestBundle.Now, true);
            UpdateOutcome expected = UpdateOutcomes.Rejected(BundleStatus.ManifestSignatureInvalid);
            Assert.AreEqual((int)expected, (int)outcome);
        }

        [TestMethod]
        public void Admit_DelegatedByAnotherRoot_RejectedUnknownRoot()
        {
            PhaseFixture f = Active(308);
            TestBundle stranger = new TestBundle(f.Random);
            byte[] manifest = stranger.Manifest();
            f.Fetched(manifest, stranger.Sign(manifest), stranger.Delegation());
            UpdateOutcome outcome = Admission(f).Admit(Offer(null), f.Journal, TestBundle.Now, true);
            UpdateOutcome expected = UpdateOutcomes.Rejected(BundleStatus.UnknownRoot);
            Assert.AreEqual((int)expected, (int)outcome);
        }

        [TestMethod]
        public void Admit_SigningKeyRevoked_RejectedRevokedKey()
        {
            PhaseFixture f = Active(309);
            RevocationStore revocations = new RevocationStore(f.Flash);
            revocations.List.Add(f.Release.KeyId);
            BundleAdmission admission = new BundleAdmission(f.Slots, revocations, TestBundle.Device());
            UpdateOutcome outcome = admission.Admit(Offer(null), f.Journal, TestBundle.Now, true);
            UpdateOutcome expected = UpdateOutcomes.Rejected(BundleStatus.KeyRevoked);
            Assert.AreEqual((int)expected, (int)outcome);
        }

        [TestMethod]
        public void Admit_SecurityVersionBelowTheJournalsFloor_RejectedRollback()
        {
            // The install context says floor 0; the journal's floor 2 is what counts.
            PhaseFixture f = Active(310);
            Load(f, UpdateBundles.Release(f.Factory, "1.2.0", 1, f.Random, new int[] { 20 }));
            InstallContext device = TestBundle.Device();
            device.SecurityFloor = 0;
            BundleAdmission admission = new BundleAdmission(f.Slots, new RevocationStore(f.Flash), device);
            UpdateOutcome outcome = admission.Admit(Offer(null), f.Journal, TestBundle.Now, true);
            UpdateOutcome expected = UpdateOutcomes.Rejected(BundleStatus.SecurityVersionRollback);
            Assert.AreEqual((int)expected, (int)outcome);
            Assert.AreEqual("bundle 1.2.0 refused: rollback", admission.Detail);
        }

        [TestMethod]
        public void Admit_RunningVersionAgain_RejectedAlreadyInstalled()
        {
            PhaseFixture f = Active(311);
            Load(f, UpdateBundles.Release(f.Factory, "1.0.0", 2, f.Random, new int[] { 20 }));
            UpdateOutcome outcome = Admission(f).Admit(Offer(null), f.Journal, TestBundle.Now, true);
            UpdateOutcome expected = UpdateOutcomes.Rejected(BundleStatus.AlreadyInstalled);
            Assert.AreEqual((int)expected, (int)outcome);
        }

        [TestMethod]
        public void Admit_RunningVersionWithNoActiveApplication_None()
        {
            // Without an application (never installed or dropped as corrupt) there is no running version to compare.
            PhaseFixture f = Active(312);
            f.Journal.HasActive = false;
            Load(f, UpdateBundles.Release(f.Factory, "1.0.0", 2, f.Random, new int[] { 20 }));
            UpdateOutcome outcome = Admission(f).Admit(Offer(null), f.Journal, TestBundle.Now, true);
            Assert.AreEqual((int)UpdateOutcome.None, (int)outcome);
        }

        // A fixture whose journal has an active application and whose documents are the usual release's.
        private static PhaseFixture Active(uint seed)
        {
            PhaseFixture f = new PhaseFixture(seed);
            f.Journal.HasActive = true;
            Load(f, f.Release);
            return f;
        }

        private static void Load(PhaseFixture f, TestBundle release)
        {
            f.Publish(release);
            f.Fetched(f.ManifestBytes, release.Sign(f.ManifestBytes), release.Delegation());
        }

        private static BundleAdmission Admission(PhaseFixture f)
        {
            return new BundleAdmission(f.Slots, new RevocationStore(f.Flash), TestBundle.Device());
        }

        // An accepted offer, pinning the digest in hex when given.
        private static OfferIntake Offer(string digest)
        {
            string json = "{\"url\":\"" + PhaseFixture.Url + "\"" + (digest == null ? string.Empty : ",\"manifestSha256\":\"" + digest + "\"") + "}";
            byte[] payload = TestBytes.Utf8(json);
            OfferIntake intake = new OfferIntake();
            UpdateOffer offer;
            if (intake.TryRead(payload, 0, payload.Length, out offer) != DocumentStatus.Valid)
            {
                throw new System.InvalidOperationException(intake.Detail);
            }

            intake.Accept(offer, 0);
            return intake;
        }
    }
}
