using SecureDevice.Core;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// The parts the update phases run on, without the engine: a flash (behind a <see cref="FaultyFileStore"/>), a server
    /// holding the usual release (files of 560, 310 and 20 bytes, served in 64-byte pieces), a slot verifier over the
    /// factory's root with a 256-byte chunk, and a journal whose candidate is slot B.
    /// </summary>
    public sealed class PhaseFixture
    {
        /// <summary>Where the release is published.</summary>
        public const string Url = "https://u.example/r/";

        public readonly MemoryFileStore Flash = new MemoryFileStore();
        public readonly FaultyFileStore Store;
        public readonly MemoryBundleSource Server = new MemoryBundleSource();
        public readonly UpdateStatistics Statistics = new UpdateStatistics();
        public readonly UpdateJournal Journal = new UpdateJournal();
        public readonly byte[] Chunk = new byte[256];
        public readonly byte[] Digest = new byte[32];
        public readonly TestRandom Random;
        public readonly TestBundle Factory;
        public readonly SlotVerifier Slots;
        public TestBundle Release;
        public byte[] ManifestBytes;

        /// <summary>Builds the parts and publishes the usual release.</summary>
        public PhaseFixture(uint seed)
        {
            Random = new TestRandom(seed);
            Factory = UpdateBundles.Factory(Random);
            Store = new FaultyFileStore(Flash);
            Slots = new SlotVerifier(Store, new BundleVerifier(Factory.Anchors()), new BundleDocuments(), Chunk);
            Server.MaxRead = 64;
            Journal.SecurityFloor = 2;
            Publish(UpdateBundles.Release(Factory, Random));
        }

        /// <summary>Publishes <paramref name="release"/> at <see cref="Url"/> (it becomes <see cref="Release"/>, its manifest digest <see cref="Digest"/>).</summary>
        public void Publish(TestBundle release)
        {
            Release = release;
            ManifestBytes = release.Manifest();
            new Sha256().Hash(ManifestBytes, 0, ManifestBytes.Length, Digest, 0);
            Server.Clear();
            Server.PutBundle(Url, ManifestBytes, release.Sign(ManifestBytes), release.Delegation(), release.PayloadNames, release.Payloads);
        }

        /// <summary>Writes the release's documents into the candidate slot and journals it Downloading; returns its manifest read back from flash.</summary>
        public Manifest Prepare()
        {
            int slot = Journal.CandidateSlot;
            Flash.Put(SlotLayout.Path(slot, SlotLayout.Manifest), ManifestBytes);
            Flash.Put(SlotLayout.Path(slot, SlotLayout.Signature), Release.Sign(ManifestBytes));
            Flash.Put(SlotLayout.Path(slot, SlotLayout.Delegation), Release.Delegation());
            Journal.ToDownloading(Url, Digest);
            BundleStatus chain = Slots.VerifyChain(slot, Digest, Journal.SecurityFloor);
            if (chain != BundleStatus.Verified)
            {
                throw new System.InvalidOperationException(BundleStatusText.Name(chain));
            }

            return Slots.Manifest;
        }

        /// <summary>The flash path of payload file <paramref name="index"/> in the candidate slot.</summary>
        public string PathOf(int index)
        {
            return SlotLayout.Path(Journal.CandidateSlot, Release.PayloadNames[index]);
        }

        /// <summary>Puts the first <paramref name="count"/> bytes of payload file <paramref name="index"/> on flash, with byte <paramref name="flip"/> altered (none when negative).</summary>
        public void Keep(int index, int count, int flip)
        {
            byte[] kept = TestBytes.Slice(Release.Payloads[index], 0, count);
            if (flip >= 0)
            {
                kept[flip] ^= 0x40;
            }

            Flash.Put(PathOf(index), kept);
        }

        /// <summary>True when payload file <paramref name="index"/> on flash is exactly the release's.</summary>
        public bool Intact(int index)
        {
            byte[] data = Flash.Snapshot(PathOf(index));
            byte[] expected = Release.Payloads[index];
            return data != null && data.Length == expected.Length && ByteRange.ConstantTimeEquals(data, 0, expected, 0, data.Length);
        }

        /// <summary>Loads fetched documents into the verifier's buffers, as <see cref="DocumentFetch"/> would.</summary>
        public void Fetched(byte[] manifest, byte[] signature, byte[] delegation)
        {
            BundleDocuments documents = Slots.Documents;
            byte[][] all = new byte[][] { manifest, signature, delegation };
            for (int i = 0; i < 3; i++)
            {
                System.Array.Copy(all[i], documents.Buffer(i), all[i].Length);
                documents.SetLength(i, all[i].Length);
            }
        }
    }
}
