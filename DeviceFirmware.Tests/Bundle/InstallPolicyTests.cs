using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class InstallPolicyTests
    {
        [TestMethod]
        public void Check_NewerVersionForThisDevice_IsAccepted()
        {
            Assert.AreEqual((int)BundleStatus.Verified, (int)Check(new TestBundle(new TestRandom(51)), TestBundle.Device()));
        }

        [TestMethod]
        public void Check_FirstInstall_AcceptsAnyVersionAboveTheFloor()
        {
            InstallContext device = TestBundle.Device();
            device.CurrentVersion = null;
            device.CurrentSecurityVersion = 0;
            Assert.AreEqual((int)BundleStatus.Verified, (int)Check(new TestBundle(new TestRandom(52)), device));
        }

        [TestMethod]
        public void Check_EachMismatch_HasItsOwnReason()
        {
            TestBundle bundle = new TestBundle(new TestRandom(53));
            InstallContext device = TestBundle.Device();
            device.Product = "gateway";
            Assert.AreEqual((int)BundleStatus.WrongProduct, (int)Check(bundle, device));

            device = TestBundle.Device();
            device.HardwareModel = "esp32-s3";
            Assert.AreEqual((int)BundleStatus.WrongHardware, (int)Check(bundle, device));

            bundle.MinLoaderVersion = 2;
            Assert.AreEqual((int)BundleStatus.LoaderTooOld, (int)Check(bundle, TestBundle.Device()));
        }

        [TestMethod]
        public void Check_Expiry_NeedsTimeAndIsHalfOpen()
        {
            TestBundle bundle = new TestBundle(new TestRandom(54));
            bundle.Expires = "2027-01-01T00:00:00Z";
            Manifest manifest = Parse(bundle);
            Assert.AreEqual((int)BundleStatus.TimeUnknown, (int)InstallPolicy.Check(manifest, TestBundle.Device(), 0, false));
            Assert.AreEqual((int)BundleStatus.Verified, (int)InstallPolicy.Check(manifest, TestBundle.Device(), TestBundle.Now - 1, true));
            Assert.AreEqual((int)BundleStatus.ManifestExpired, (int)InstallPolicy.Check(manifest, TestBundle.Device(), TestBundle.Now, true));
        }

        [TestMethod]
        public void Check_BelowTheFloor_IsRollback()
        {
            TestBundle bundle = new TestBundle(new TestRandom(55));
            InstallContext device = TestBundle.Device();
            device.SecurityFloor = 4;
            Assert.AreEqual((int)BundleStatus.SecurityVersionRollback, (int)Check(bundle, device));
        }

        [TestMethod]
        public void Check_OlderVersion_NeedsAHigherSecurityVersion()
        {
            TestBundle bundle = new TestBundle(new TestRandom(56));
            bundle.Version = "0.9.0";
            bundle.SecurityVersion = 2;
            Assert.AreEqual((int)BundleStatus.VersionDowngrade, (int)Check(bundle, TestBundle.Device()));
            bundle.SecurityVersion = 3;
            Assert.AreEqual((int)BundleStatus.Verified, (int)Check(bundle, TestBundle.Device()));
        }

        [TestMethod]
        public void Check_SameVersionAndSecurityVersion_IsAlreadyInstalled()
        {
            TestBundle bundle = new TestBundle(new TestRandom(57));
            bundle.Version = "1.0.0";
            bundle.SecurityVersion = 2;
            Assert.AreEqual((int)BundleStatus.AlreadyInstalled, (int)Check(bundle, TestBundle.Device()));
        }

        private static BundleStatus Check(TestBundle bundle, InstallContext device)
        {
            return InstallPolicy.Check(Parse(bundle), device, TestBundle.Now, true);
        }

        private static Manifest Parse(TestBundle bundle)
        {
            byte[] data = bundle.Manifest();
            Manifest manifest;
            Assert.AreEqual((int)DocumentStatus.Valid, (int)new ManifestParser().TryParse(data, 0, data.Length, out manifest));
            return manifest;
        }
    }
}
