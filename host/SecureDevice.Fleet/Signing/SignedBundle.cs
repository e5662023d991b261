using System.Collections.Generic;
using System.IO;
using SecureDevice.Core.Bundle;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Signing;

/// <summary>One signed bundle: the three documents and the payload files, as a bundle folder holds them.</summary>
public sealed record SignedBundle(byte[] Manifest, byte[] Signature, byte[] Delegation, IReadOnlyList<BundlePayload> Files, Manifest Parsed, Delegation ParsedDelegation)
{
    /// <summary>Total payload bytes.</summary>
    public long PayloadBytes
    {
        get
        {
            long total = 0;
            foreach (BundlePayload file in Files)
            {
                total += file.Content.Length;
            }

            return total;
        }
    }

    /// <summary>Writes the files into <paramref name="folder"/> (an empty staging folder).</summary>
    internal void WriteInto(string folder)
    {
        Write(Path.Combine(folder, BundleLayout.Manifest), Manifest);
        Write(Path.Combine(folder, BundleLayout.Signature), Signature);
        Write(Path.Combine(folder, BundleLayout.Delegation), Delegation);
        foreach (BundlePayload file in Files)
        {
            Write(Path.Combine(folder, file.Name), file.Content);
        }
    }

    private static void Write(string path, byte[] content) => AtomicFile.WriteNew(path, content, AtomicFile.PublicMode);
}
