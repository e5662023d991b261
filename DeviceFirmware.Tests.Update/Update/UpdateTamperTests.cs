using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Update
{
    /// <summary>
    /// Tampered, foreign, expired, revoked, replayed and malformed bundles offered to a device running 1.0.0: each one is
    /// refused with its specific reason, nothing is staged, the active slot and the journal's floor are untouched, and the
    /// device still boots 1.0.0 and still takes a good bundle afterwards.
    /// </summary>
    [TestClass]
    public class UpdateTamperTests
    {
        // One case per row (42, one per index of Build), so that the first refusal that goes wrong hides none of the others.
        [TestMethod]
        [DataRow(0)]
        [DataRow(1)]
        [DataRow(2)]
        [DataRow(3)]
        [DataRow(4)]
        [DataRow(5)]
        [DataRow(6)]
        [DataRow(7)]
        [DataRow(8)]
        [DataRow(9)]
        [DataRow(10)]
        [DataRow(11)]
        [DataRow(12)]
        [DataRow(13)]
        [DataRow(14)]
        [DataRow(15)]
        [DataRow(16)]
        [DataRow(17)]
        [DataRow(18)]
        [DataRow(19)]
        [DataRow(20)]
        [DataRow(21)]
        [DataRow(22)]
        [DataRow(23)]
        [DataRow(24)]
        [DataRow(25)]
        [DataRow(26)]
        [DataRow(27)]
        [DataRow(28)]
        [DataRow(29)]
        [DataRow(30)]
        [DataRow(31)]
        [DataRow(32)]
        [DataRow(33)]
        [DataRow(34)]
        [DataRow(35)]
        [DataRow(36)]
        [DataRow(37)]
        [DataRow(38)]
        [DataRow(39)]
        [DataRow(40)]
        [DataRow(41)]
        public void Tamper_Case_RefusedWithSpecificReasonAndNothingStaged(int index)
        {
            UpdateRig rig = UpdateRig.Booted(500);
            byte[][] slotA = SnapshotSlot(rig.Flash, rig.Factory);
            string name;
            UpdateOutcome expected;
            string offer = Offer(Build(index, rig, rig.Factory, rig.Bundles, out name, out expected));
            rig.OfferJson(offer);
            rig.Run(true, 1000);
            Assert.AreEqual(UpdateOutcomes.Name(expected), UpdateOutcomes.Name(rig.Engine.Status.LastOutcome), name + ": " + rig.Engine.Status.LastDetail);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Engine.Status.State, name);
            Assert.AreEqual((int)UpdateState.Idle, (int)rig.Journal.Current.State, name);
            Assert.IsFalse(rig.Engine.Status.RebootRequested, name);
            Assert.AreEqual(SlotLayout.SlotA, rig.Journal.Current.ActiveSlot, name);
            Assert.AreEqual(2L, rig.Journal.Current.SecurityFloor, name);
            AssertSlotUnchanged(rig.Flash, rig.Factory, slotA, name);
            rig.Server.Clear();

            rig.Boot();
            Assert.AreEqual("1.0.0", rig.Running);
            BootDecision decision = rig.Plan.Decision;
            Assert.AreEqual((int)BootDecision.BootActive, (int)decision);

            // Still updatable by a good bundle.
            rig.Offer(rig.Publish(rig.Release("1.1.0", 3, new int[] { 190 }), "good"));
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
        }

        [TestMethod]
        public void Replay_OlderBundlesAfterUpgrade_RefusedAsRollbackOrAlreadyInstalled()
        {
            UpdateRig rig = UpdateRig.Booted(501);
            TestBundle release = rig.Release();
            string releaseUrl = rig.Publish(release, "1.1.0");
            string factoryUrl = rig.Publish(rig.Factory, "1.0.0");
            rig.Offer(releaseUrl);
            rig.Run(true, 200);
            rig.BootAndConfirm();
            long floor = rig.Journal.Current.SecurityFloor;
            Assert.AreEqual(3L, floor);

            rig.Offer(factoryUrl);
            rig.Run(true, 50);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(BundleStatus.SecurityVersionRollback), outcome);
            rig.Offer(releaseUrl);
            rig.Run(true, 50);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(BundleStatus.AlreadyInstalled), outcome);

            // An older version is accepted only with a higher security version (a deliberate roll-back by the operator).
            rig.Offer(rig.Publish(rig.Release("1.0.5", 4, new int[] { 100 }), "1.0.5"));
            rig.Run(true, 200);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Staged, outcome);
        }

        [TestMethod]
        public void Replay_SameBundleAfterPayloadRejection_KnownBadWithoutDownloading()
        {
            UpdateRig rig = UpdateRig.Booted(502);
            TestBundle release = rig.Release();
            string url = rig.Publish(release, "bad");
            byte[] bad = (byte[])release.Payloads[1].Clone();
            bad[3] ^= 1;
            rig.Server.Put(url + release.PayloadNames[1], bad);
            rig.Offer(url);
            rig.Run(true, 200);
            int outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcomes.Rejected(BundleStatus.FileHashMismatch), outcome);
            long served = rig.Server.PayloadBytesServed;
            rig.Offer(url);
            rig.Run(true, 200);
            outcome = (int)rig.Engine.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.KnownBad, outcome);
            Assert.AreEqual(served, rig.Server.PayloadBytesServed, "a known-bad bundle is not downloaded again");
        }

        // Builds tamper case `index`: publishes it and returns its URL, its name and the outcome it must produce.
        private static string Build(int index, UpdateRig rig, TestBundle factory, TestRandom random, out string name, out UpdateOutcome expected)
        {
            // Files of three pieces and one of the rig's server (UpdateRig.PieceBytes), as 2,100 and 900 bytes are on the board.
            TestBundle bundle = rig.Release("1.1.0", 3, new int[] { 140, 60 });
            string folder = "case" + index.ToString();
            expected = UpdateOutcomes.Rejected(BundleStatus.ManifestSignatureInvalid);
            if (index < 13)
            {
                // Every manifest field changed after signing: the signature no longer matches.
                string text = bundle.ManifestText();
                string[] from = new string[] { "\"sensor\"", "\"esp32-devkitc\"", "\"1.1.0\"", "\"securityVersion\":3", "\"minLoaderVersion\":1", "2026-11-22T10:00:00Z", "\"release-2026\"", "\"Sensor.App\"", "Sensor.Lib.pe", "\"size\":60", "\"sha256\":\"", "\"files\"", "{\"format\":1" };
                string[] to = new string[] { "\"sensoR\"", "\"esp32-devkitC\"", "\"1.1.1\"", "\"securityVersion\":30", "\"minLoaderVersion\":0", "2026-11-22T10:00:01Z", "\"release-2027\"", "\"Sensor.Lib\"", "Sensor.Lab.pe", "\"size\":61", "\"sha256\":\"0", "\"revokes\":[],\"files\"", "{ \"format\":1" };
                byte[] signature = bundle.Sign(bundle.Manifest());
                string changed = TestText.ReplaceFirst(text, from[index], to[index]);
                if (index == 10)
                {
                    changed = TestText.ReplaceFirst(text, "\"sha256\":\"", "\"sha256\":\"0");
                    changed = changed.Substring(0, changed.IndexOf("\"sha256\":\"0") + 10) + "f" + changed.Substring(changed.IndexOf("\"sha256\":\"0") + 11);
                }

                name = "unsigned change " + from[index];
                Assert.IsFalse(changed == text, name + " did not change the manifest");
                return rig.Publish(bundle, folder, TestBytes.Utf8(changed), signature);
            }

            name = "case " + index.ToString();
            switch (index)
            {
                case 13:
                    name = "product not delegated";
                    bundle.Product = "camera";
                    expected = UpdateOutcomes.Rejected(BundleStatus.ProductNotDelegated);
                    break;
                case 14:
                    name = "another product";
                    bundle.Product = "camera";
                    bundle.DelegationProducts = null;
                    expected = UpdateOutcomes.Rejected(BundleStatus.WrongProduct);
                    break;
                case 15:
                    name = "another hardware model";
                    bundle.Hardware = "\"esp32-s3\"";
                    expected = UpdateOutcomes.Rejected(BundleStatus.WrongHardware);
                    break;
                case 16:
                    name = "needs a newer loader";
                    bundle.MinLoaderVersion = 2;
                    expected = UpdateOutcomes.Rejected(BundleStatus.LoaderTooOld);
                    break;
                case 17:
                    name = "expired manifest";
                    bundle.Expires = "2026-12-01T00:00:00Z";
                    expected = UpdateOutcomes.Rejected(BundleStatus.ManifestExpired);
                    break;
                case 18:
                    name = "security version below the floor";
                    bundle.SecurityVersion = 1;
                    expected = UpdateOutcomes.Rejected(BundleStatus.SecurityVersionRollback);
                    break;
                case 19:
                    name = "older version";
                    bundle.Version = "0.9.0";
                    bundle.SecurityVersion = 2;
                    expected = UpdateOutcomes.Rejected(BundleStatus.VersionDowngrade);
                    break;
                case 20:
                    name = "replay of the running bundle";
                    expected = UpdateOutcomes.Rejected(BundleStatus.AlreadyInstalled);
                    return rig.Publish(factory, folder);
                case 21:
                    name = "manifest names another key";
                    bundle.KeyId = "other-key";
                    bundle.DelegatedKeyId = "release-2026";
                    expected = UpdateOutcomes.Rejected(BundleStatus.SignerMismatch);
                    break;
                case 22:
                    name = "security version not delegated";
                    bundle.MinSecurityVersion = 5;
                    expected = UpdateOutcomes.Rejected(BundleStatus.SecurityVersionNotDelegated);
                    break;
                case 23:
                    name = "expired signer";
                    bundle.NotBefore = TestBundle.Year2026;
                    bundle.NotAfter = TestBundle.Now - 1;
                    expected = UpdateOutcomes.Rejected(BundleStatus.DelegationExpired);
                    break;
                case 24:
                    name = "signer not yet valid";
                    bundle.NotBefore = TestBundle.Now + 3600;
                    expected = UpdateOutcomes.Rejected(BundleStatus.DelegationNotYetValid);
                    break;
                case 25:
                    name = "unknown root";
                    bundle.Root = new TestKeys(random);
                    expected = UpdateOutcomes.Rejected(BundleStatus.UnknownRoot);
                    break;
                case 26:
                    name = "delegation signed by a non-root";
                    return PublishReplacing(rig, bundle, folder, SlotLayout.Delegation, TestBundle.Frame(TestBytes.Utf8(bundle.DelegationBody()), new TestKeys(random)), out expected, BundleStatus.DelegationSignatureInvalid);
                case 27:
                    name = "delegation body changed after signing";
                    byte[] delegation = bundle.Delegation();
                    delegation[DelegationParser.HeaderSize + bundle.DelegationBody().IndexOf("release-2026")] = (byte)'s';
                    return PublishReplacing(rig, bundle, folder, SlotLayout.Delegation, delegation, out expected, BundleStatus.DelegationSignatureInvalid);
                case 28:
                    name = "delegation with a bad magic";
                    byte[] magic = bundle.Delegation();
                    magic[0] = (byte)'X';
                    return PublishReplacing(rig, bundle, folder, SlotLayout.Delegation, magic, out expected, BundleStatus.DelegationMalformed);
                case 29:
                    name = "signature truncated";
                    byte[] manifest = bundle.Manifest();
                    byte[] shortSignature = new byte[63];
                    System.Array.Copy(bundle.Sign(manifest), shortSignature, 63);
                    expected = UpdateOutcomes.Rejected(BundleStatus.SignatureMalformed);
                    return rig.Publish(bundle, folder, manifest, shortSignature);
                case 30:
                    name = "signed by another key";
                    byte[] body = bundle.Manifest();
                    return rig.Publish(bundle, folder, body, new TestKeys(random).Sign(body));
                case 31:
                    name = "oversized manifest";
                    byte[] big = Padded(bundle.Manifest(), ManifestParser.MaxManifestBytes + 1);
                    expected = UpdateOutcomes.Rejected(BundleStatus.ManifestMalformed);
                    return rig.Publish(bundle, folder, big, bundle.Sign(big));
                case 32:
                    name = "malformed manifest (signed)";
                    byte[] malformed = TestBytes.Utf8(TestText.ReplaceFirst(bundle.ManifestText(), "\"files\":[", "\"files\":[,"));
                    expected = UpdateOutcomes.Rejected(BundleStatus.ManifestMalformed);
                    return rig.Publish(bundle, folder, malformed, bundle.Sign(malformed));
                case 33:
                    name = "entry assembly not among the files (signed)";
                    bundle.EntryAssembly = "Sensor.Missing";
                    expected = UpdateOutcomes.Rejected(BundleStatus.ManifestMalformed);
                    break;
                case 34:
                    name = "payload byte flipped";
                    return PublishReplacing(rig, bundle, folder, bundle.PayloadNames[0], Flipped(bundle.Payloads[0], 100), out expected, BundleStatus.FileHashMismatch);
                case 35:
                    name = "payload truncated";
                    return PublishReplacing(rig, bundle, folder, bundle.PayloadNames[1], TestBytes.Slice(bundle.Payloads[1], 0, 59), out expected, BundleStatus.FileSizeMismatch);
                case 36:
                    name = "payload extended";
                    byte[] longer = new byte[61];
                    System.Array.Copy(bundle.Payloads[1], longer, 60);
                    return PublishReplacing(rig, bundle, folder, bundle.PayloadNames[1], longer, out expected, BundleStatus.FileSizeMismatch);
                case 37:
                    name = "payload swapped with the other file";
                    return PublishReplacing(rig, bundle, folder, bundle.PayloadNames[0], bundle.Payloads[1], out expected, BundleStatus.FileSizeMismatch);
                case 38:
                    name = "payload swapped with another file of the same size";
                    TestBundle twins = rig.Release("1.1.0", 3, new int[] { 60, 60 });
                    return PublishReplacing(rig, twins, folder, twins.PayloadNames[0], twins.Payloads[1], out expected, BundleStatus.FileHashMismatch);
                case 39:
                    name = "payload from an older bundle";
                    TestBundle older = rig.Release("1.0.9", 3, new int[] { 140, 60 });
                    return PublishReplacing(rig, bundle, folder, bundle.PayloadNames[0], older.Payloads[0], out expected, BundleStatus.FileHashMismatch);
                case 40:
                    name = "server answers a pinned offer with another signed manifest";
                    string pinnedUrl = rig.Publish(bundle, folder);
                    TestBundle substitute = rig.Release("1.0.8", 3, new int[] { 140, 60 });
                    byte[] substituteManifest = substitute.Manifest();
                    rig.Server.Put(pinnedUrl + SlotLayout.Manifest, substituteManifest);
                    rig.Server.Put(pinnedUrl + SlotLayout.Signature, substitute.Sign(substituteManifest));
                    expected = UpdateOutcome.OfferMismatch;
                    return "{\"url\":\"" + pinnedUrl + "\",\"manifestSha256\":\"" + Digest(bundle.Manifest()) + "\"}";
                default:
                    name = "documents of one bundle with the signature of another";
                    TestBundle other = rig.Release("1.1.0", 3, new int[] { 140, 60 });
                    string mixedUrl = rig.Publish(bundle, folder);
                    rig.Server.Put(mixedUrl + SlotLayout.Signature, other.Sign(other.Manifest()));
                    return mixedUrl;
            }

            return rig.Publish(bundle, folder);
        }

        // Build returns a URL, or a whole offer when it starts with '{'.
        private static string Offer(string built)
        {
            return built[0] == '{' ? built : "{\"url\":\"" + built + "\"}";
        }

        private static string Digest(byte[] data)
        {
            byte[] digest = new byte[32];
            new SecureDevice.Core.Crypto.Sha256().Hash(data, 0, data.Length, digest, 0);
            return SecureDevice.Core.Text.Hex.Encode(digest, 0, 32);
        }

        // Publishes the bundle, then replaces one of its files on the server with `content`.
        private static string PublishReplacing(UpdateRig rig, TestBundle bundle, string folder, string fileName, byte[] content, out UpdateOutcome expected, BundleStatus status)
        {
            string url = rig.Publish(bundle, folder);
            rig.Server.Put(url + fileName, content);
            expected = UpdateOutcomes.Rejected(status);
            return url;
        }

        // The manifest padded with spaces before its closing brace to `length` bytes (built as bytes: a string of that
        // size would take twice as much of a board's heap).
        private static byte[] Padded(byte[] manifest, int length)
        {
            byte[] padded = new byte[length];
            System.Array.Copy(manifest, padded, manifest.Length - 1);
            for (int i = manifest.Length - 1; i < length - 1; i++)
            {
                padded[i] = (byte)' ';
            }

            padded[length - 1] = (byte)'}';
            return padded;
        }

        private static byte[] Flipped(byte[] data, int position)
        {
            byte[] copy = (byte[])data.Clone();
            copy[position] ^= 0x10;
            return copy;
        }

        private static byte[][] SnapshotSlot(MemoryFileStore flash, TestBundle bundle)
        {
            byte[][] files = new byte[3 + bundle.PayloadNames.Length][];
            for (int i = 0; i < files.Length; i++)
            {
                files[i] = flash.Snapshot(SlotPath(bundle, i));
            }

            return files;
        }

        private static void AssertSlotUnchanged(MemoryFileStore flash, TestBundle bundle, byte[][] before, string context)
        {
            for (int i = 0; i < before.Length; i++)
            {
                CollectionAssert.AreEqual(before[i], flash.Snapshot(SlotPath(bundle, i)), context + ": slot A file " + i.ToString());
            }
        }

        private static string SlotPath(TestBundle bundle, int index)
        {
            string name = index == 0 ? SlotLayout.Manifest : index == 1 ? SlotLayout.Signature : index == 2 ? SlotLayout.Delegation : bundle.PayloadNames[index - 3];
            return SlotLayout.Path(SlotLayout.SlotA, name);
        }
    }
}
