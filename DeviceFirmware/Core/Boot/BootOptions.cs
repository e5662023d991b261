using SecureDevice.Core.Update;

namespace SecureDevice.Core.Boot
{
    /// <summary>
    /// The loader's limits and the update timings, one set per board (the ESP32 platform sets them; virtual devices and
    /// tests choose their own). The defaults are an ESP32 without PSRAM: about 100-160 KB of managed heap, of which the
    /// application's assemblies, loaded from byte arrays that stay on the heap, may take <see cref="MaxPayloadBytes"/>.
    /// </summary>
    public sealed class BootOptions
    {
        /// <summary>Default <see cref="MaxPayloadBytes"/>: 96 KiB.</summary>
        public const long DefaultMaxPayloadBytes = 96 * 1024;

        /// <summary>Default <see cref="MemoryReserveBytes"/>: 24 KiB.</summary>
        public const long DefaultMemoryReserveBytes = 24 * 1024;

        /// <summary>The defaults (ESP32 without PSRAM, production timings).</summary>
        public BootOptions()
        {
            LoaderVersion = 1;
            MaxTestBoots = BootPlanner.DefaultMaxTestBoots;
            MaxResumeBoots = BootPlanner.DefaultMaxResumeBoots;
            TestTimeoutMs = Probation.DefaultTimeoutMs;
            OfferSpacingMs = OfferIntake.DefaultSpacingMs;
            MaxPayloadBytes = DefaultMaxPayloadBytes;
            MemoryReserveBytes = DefaultMemoryReserveBytes;
            ChunkBytes = UpdateEngine.ChunkBytes;
        }

        /// <summary>This loader's version, compared with a bundle's minLoaderVersion (1..).</summary>
        public long LoaderVersion { get; set; }

        /// <summary>Boots a candidate gets to confirm itself before it is reverted (1..100).</summary>
        public int MaxTestBoots { get; set; }

        /// <summary>Boots a download may span before it is abandoned (1..100).</summary>
        public int MaxResumeBoots { get; set; }

        /// <summary>Time a candidate has, each boot, to become healthy, ms (1 s .. 1 day).</summary>
        public long TestTimeoutMs { get; set; }

        /// <summary>Shortest spacing between processed update offers, ms (0 .. 1 day).</summary>
        public long OfferSpacingMs { get; set; }

        /// <summary>
        /// Most payload bytes (all files of a bundle) the loader accepts: bundles above it are refused at install time
        /// (<c>rejected:too-large</c>) and never loaded; 0 means no limit (a board with plenty of RAM).
        /// </summary>
        public long MaxPayloadBytes { get; set; }

        /// <summary>Free managed memory that must remain after the application's images are in memory, bytes (0 .. 16 MiB).</summary>
        public long MemoryReserveBytes { get; set; }

        /// <summary>Size of the buffer that network and flash reads go through, bytes (64 .. <see cref="UpdateEngine.ChunkBytes"/>).</summary>
        public int ChunkBytes { get; set; }

        /// <summary>Throws when a value is outside its documented range (a wiring bug, not a runtime condition).</summary>
        public void Validate()
        {
            if (LoaderVersion < 1)
            {
                throw new System.ArgumentOutOfRangeException("LoaderVersion");
            }

            if (MaxTestBoots < 1 || MaxTestBoots > 100)
            {
                throw new System.ArgumentOutOfRangeException("MaxTestBoots");
            }

            if (MaxResumeBoots < 1 || MaxResumeBoots > 100)
            {
                throw new System.ArgumentOutOfRangeException("MaxResumeBoots");
            }

            if (TestTimeoutMs < 1000 || TestTimeoutMs > 86400000)
            {
                throw new System.ArgumentOutOfRangeException("TestTimeoutMs");
            }

            if (OfferSpacingMs < 0 || OfferSpacingMs > 86400000)
            {
                throw new System.ArgumentOutOfRangeException("OfferSpacingMs");
            }

            if (MaxPayloadBytes < 0 || MemoryReserveBytes < 0 || MemoryReserveBytes > 16 * 1024 * 1024)
            {
                throw new System.ArgumentOutOfRangeException("MaxPayloadBytes");
            }

            if (ChunkBytes < 64 || ChunkBytes > UpdateEngine.ChunkBytes)
            {
                throw new System.ArgumentOutOfRangeException("ChunkBytes");
            }
        }
    }
}
