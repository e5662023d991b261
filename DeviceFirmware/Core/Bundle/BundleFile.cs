using SecureDevice.Core.Text;

namespace SecureDevice.Core.Bundle
{
    /// <summary>One payload file named by a manifest: its name, exact size and SHA-256.</summary>
    public sealed class BundleFile
    {
        /// <summary>Creates a file entry; <paramref name="sha256"/> is copied.</summary>
        public BundleFile(string name, long size, byte[] sha256)
        {
            Name = name;
            Size = size;
            Sha256 = new byte[32];
            System.Array.Copy(sha256, 0, Sha256, 0, 32);
        }

        /// <summary>File name (<see cref="SafeName.IsAssemblyFileName"/>).</summary>
        public string Name { get; private set; }

        /// <summary>Exact size in bytes.</summary>
        public long Size { get; private set; }

        /// <summary>SHA-256 of the file's bytes (32 bytes; do not modify).</summary>
        public byte[] Sha256 { get; private set; }
    }
}
