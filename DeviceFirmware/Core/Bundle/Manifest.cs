using SecureDevice.Core.Text;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// A parsed update manifest (format 1, see docs/bundle-format.md). Instances come only from <see cref="ManifestParser"/>,
    /// which has enforced every limit and character set; an instance is therefore well-formed but not yet trusted:
    /// trust comes from <see cref="BundleVerifier"/>.
    /// </summary>
    public sealed class Manifest
    {
        /// <summary>The only manifest format this firmware understands.</summary>
        public const int FormatVersion = 1;

        /// <summary>Most hardware models one manifest may name.</summary>
        public const int MaxHardwareModels = 8;

        /// <summary>Most payload files one manifest may name.</summary>
        public const int MaxFiles = 16;

        /// <summary>Most key ids one manifest may revoke.</summary>
        public const int MaxRevocations = 8;

        /// <summary>Longest product id, hardware model, key id or file name.</summary>
        public const int MaxNameLength = SafeName.MaxNameLength;

        /// <summary>Longest entry assembly, type or method name.</summary>
        public const int MaxDottedNameLength = 128;

        /// <summary>Largest payload file, bytes (the ESP32's internal file system is a few megabytes).</summary>
        public const long MaxFileSize = 16L * 1024 * 1024;

        internal Manifest()
        {
            Hardware = new string[MaxHardwareModels];
            Files = new BundleFile[MaxFiles];
            Revokes = new string[MaxRevocations];
            ExpiresUnixSeconds = -1;
        }

        /// <summary>Product id the bundle is for.</summary>
        public string Product { get; internal set; }

        /// <summary>Hardware models allowed to install it (first <see cref="HardwareCount"/> entries).</summary>
        public string[] Hardware { get; private set; }

        /// <summary>Number of entries in <see cref="Hardware"/>.</summary>
        public int HardwareCount { get; internal set; }

        /// <summary>Application version.</summary>
        public AppVersion Version { get; internal set; }

        /// <summary>Anti-rollback security version (monotonic across releases).</summary>
        public long SecurityVersion { get; internal set; }

        /// <summary>Oldest loader that may install and boot this bundle.</summary>
        public long MinLoaderVersion { get; internal set; }

        /// <summary>Creation time, Unix seconds.</summary>
        public long CreatedUnixSeconds { get; internal set; }

        /// <summary>Expiry, Unix seconds, or -1 when the manifest does not expire.</summary>
        public long ExpiresUnixSeconds { get; internal set; }

        /// <summary>Id of the delegated key that signed the manifest.</summary>
        public string KeyId { get; internal set; }

        /// <summary>Entry assembly name (a file "&lt;name&gt;.pe" of the bundle).</summary>
        public string EntryAssembly { get; internal set; }

        /// <summary>Entry type, full name.</summary>
        public string EntryType { get; internal set; }

        /// <summary>Entry method: public static, no parameters.</summary>
        public string EntryMethod { get; internal set; }

        /// <summary>Payload files (first <see cref="FileCount"/> entries).</summary>
        public BundleFile[] Files { get; private set; }

        /// <summary>Number of entries in <see cref="Files"/>.</summary>
        public int FileCount { get; internal set; }

        /// <summary>Key ids this manifest revokes (first <see cref="RevokeCount"/> entries).</summary>
        public string[] Revokes { get; private set; }

        /// <summary>Number of entries in <see cref="Revokes"/>.</summary>
        public int RevokeCount { get; internal set; }

        /// <summary>Sum of all file sizes in bytes.</summary>
        public long TotalFileBytes
        {
            get
            {
                long total = 0;
                for (int i = 0; i < FileCount; i++)
                {
                    total += Files[i].Size;
                }

                return total;
            }
        }

        /// <summary>True when <paramref name="model"/> is among <see cref="Hardware"/> (ordinal).</summary>
        public bool AllowsHardware(string model)
        {
            for (int i = 0; i < HardwareCount; i++)
            {
                if (Hardware[i] == model)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Index of the file named <paramref name="name"/>, or -1.</summary>
        public int IndexOfFile(string name)
        {
            for (int i = 0; i < FileCount; i++)
            {
                if (Files[i].Name == name)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
