using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Tests.Support;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class InstallPolicyTests
    {
        [TestMethod]
        public void Check_NewerVersionForThisDevice_IsAccepted()
        {
            BundleStatus status = Check(new TestBundle(new TestRandom(51)), TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void Check_FirstInstall_AcceptsAnyVersionAboveTheFloor()
        {
            InstallContext device = TestBundle.Device();
            device.CurrentVersion = null;
            device.CurrentSecurityVersion = 0;
            BundleStatus status = Check(new TestBundle(new TestRandom(52)), device);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void Check_EachMismatch_HasItsOwnReason()
        {
            TestBundle bundle = new TestBundle(new TestRandom(53));
            InstallContext device = TestBundle.Device();
            device.Product = "gateway";
            BundleStatus status = Check(bundle, device);
            Assert.AreEqual((int)BundleStatus.WrongProduct, (int)status);

            device = TestBundle.Device();
            device.HardwareModel = "esp32-s3";
            status = Check(bundle, device);
            Assert.AreEqual((int)BundleStatus.WrongHardware, (int)status);

            bundle.MinLoaderVersion = 2;
            status = Check(bundle, TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.LoaderTooOld, (int)status);
        }

        [TestMethod]
        public void Check_Expiry_NeedsTimeAndIsHalfOpen()
        {
            TestBundle bundle = new TestBundle(new TestRandom(54));
            bundle.Expires = "2027-01-01T00:00:00Z";
            Manifest manifest = Parse(bundle);
            BundleStatus status = InstallPolicy.Check(manifest, TestBundle.Device(), 0, false);
            Assert.AreEqual((int)BundleStatus.TimeUnknown, (int)status);
            status = InstallPolicy.Check(manifest, TestBundle.Device(), TestBundle.Now - 1, true);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
            status = InstallPolicy.Check(manifest, TestBundle.Device(), TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.ManifestExpired, (int)status);
        }

        [TestMethod]
        public void Check_ExpiresAtTheEpoch_StillNeedsTime()
        {
            // Only -1 means "no expiry". The parser refuses 0 (not after "created"); the policy does not rely on that.
            Manifest manifest = Parse(new TestBundle(new TestRandom(57)));
            manifest.ExpiresUnixSeconds = 0;
            BundleStatus status = InstallPolicy.Check(manifest, TestBundle.Device(), 0, false);
            Assert.AreEqual((int)BundleStatus.TimeUnknown, (int)status);
        }

        [TestMethod]
        public void Check_BelowTheFloor_IsRollback()
        {
            TestBundle bundle = new TestBundle(new TestRandom(55));
            InstallContext device = TestBundle.Device();
            device.SecurityFloor = 4;
            BundleStatus status = Check(bundle, device);
            Assert.AreEqual((int)BundleStatus.SecurityVersionRollback, (int)status);
        }

        [TestMethod]
        public void Check_OlderVersion_NeedsAHigherSecurityVersion()
        {
            TestBundle bundle = new TestBundle(new TestRandom(56));
            bundle.Version = "0.9.0";
            bundle.SecurityVersion = 2;
            BundleStatus status = Check(bundle, TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.VersionDowngrade, (int)status);
            bundle.SecurityVersion = 3;
            status = Check(bundle, TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void Check_SameVersionAndSecurityVersion_IsAlreadyInstalled()
        {
            TestBundle bundle = new TestBundle(new TestRandom(57));
            bundle.Version = "1.0.0";
            bundle.SecurityVersion = 2;
            BundleStatus status = Check(bundle, TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.AlreadyInstalled, (int)status);
        }

        [TestMethod]
        public void Check_SecurityVersionOnlyOneSideChanged_IsAccepted()
        {
            // Already installed takes the same version AND the same security version: a newer build at the running
            // security version, or the running build re-signed with a higher one, is a real update.
            TestBundle bundle = new TestBundle(new TestRandom(58));
            bundle.SecurityVersion = 2;
            BundleStatus status = Check(bundle, TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
            bundle.Version = "1.0.0";
            bundle.SecurityVersion = 3;
            status = Check(bundle, TestBundle.Device());
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void Check_PayloadLimit_ExactFitAcceptedOneByteOverTooLarge()
        {
            Manifest manifest = Parse(new TestBundle(new TestRandom(59)));
            InstallContext device = TestBundle.Device();
            device.MaxPayloadBytes = manifest.TotalFileBytes;
            BundleStatus status = InstallPolicy.Check(manifest, device, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
            device.MaxPayloadBytes = manifest.TotalFileBytes - 1;
            status = InstallPolicy.Check(manifest, device, TestBundle.Now, true);
            Assert.AreEqual((int)BundleStatus.TooLarge, (int)status);
        }

        private static BundleStatus Check(TestBundle bundle, InstallContext device)
        {
            return InstallPolicy.Check(Parse(bundle), device, TestBundle.Now, true);
        }

        private static Manifest Parse(TestBundle bundle)
        {
            byte[] data = bundle.Manifest();
            Manifest manifest;
            DocumentStatus status = new ManifestParser().TryParse(data, 0, data.Length, out manifest);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
            return manifest;
        }
    }
}
