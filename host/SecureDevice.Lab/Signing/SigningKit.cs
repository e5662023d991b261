using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Tool.Signing;

/// <summary>One signed bundle in memory: the three documents and the payload files, as a bundle folder holds them.</summary>
public sealed record SignedBundle(byte[] Manifest, byte[] Signature, byte[] Delegation, IReadOnlyList<(string Name, byte[] Content)> Files)
{
    /// <summary>Puts the bundle into a slot of a simulated flash, as factory programming does.</summary>
    public void InstallInto(SecureDevice.Core.Storage.MemoryFileStore flash, int slot)
    {
        flash.Put(SecureDevice.Core.Update.SlotLayout.Path(slot, SecureDevice.Core.Update.SlotLayout.Manifest), Manifest);
        flash.Put(SecureDevice.Core.Update.SlotLayout.Path(slot, SecureDevice.Core.Update.SlotLayout.Signature), Signature);
        flash.Put(SecureDevice.Core.Update.SlotLayout.Path(slot, SecureDevice.Core.Update.SlotLayout.Delegation), Delegation);
        foreach ((string name, byte[] content) in Files)
        {
            flash.Put(SecureDevice.Core.Update.SlotLayout.Path(slot, name), content);
        }
    }

    /// <summary>Writes the bundle folder <paramref name="folder"/> (created; must not exist).</summary>
    public void WriteTo(string folder)
    {
        if (Directory.Exists(folder))
        {
            throw new IOException("bundle folder exists: " + folder);
        }

        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, BundleLayout.Manifest), Manifest);
        File.WriteAllBytes(Path.Combine(folder, BundleLayout.Signature), Signature);
        File.WriteAllBytes(Path.Combine(folder, BundleLayout.Delegation), Delegation);
        foreach ((string name, byte[] content) in Files)
        {
            File.WriteAllBytes(Path.Combine(folder, name), content);
        }
    }
}

/// <summary>
/// A throwaway root key and delegated signing key held in memory, for simulations and the demo: what <c>keys new</c>,
/// <c>keys delegate</c> and <c>sign</c> do with files, without files. The seeds never leave the process and are zeroed
/// on <see cref="Dispose"/>. Not for production signing: real keys live in files written with mode 0600, or in an HSM.
/// </summary>
public sealed class SigningKit : IDisposable
{
    private readonly byte[] _rootSeed;
    private readonly byte[] _signerSeed;
    private readonly Ed25519Signer _signer = new();

    private SigningKit(byte[] rootSeed, byte[] signerSeed, string keyId, byte[] delegation)
    {
        _rootSeed = rootSeed;
        _signerSeed = signerSeed;
        KeyId = keyId;
        Delegation = delegation;
        RootPublicKey = Ed25519KeyFile.DerivePublicKey(rootSeed);
    }

    /// <summary>The delegated key's id.</summary>
    public string KeyId { get; }

    /// <summary>The delegation file of the signing key.</summary>
    public byte[] Delegation { get; }

    /// <summary>The root public key devices trust.</summary>
    public byte[] RootPublicKey { get; }

    /// <summary>Creates a kit; the seeds come from <paramref name="fill"/> (a CSPRNG, or a seeded stream for repeatable runs).</summary>
    public static SigningKit Create(Action<byte[]> fill, string keyId, IReadOnlyList<string> products, long notBefore, long notAfter)
    {
        byte[] root = new byte[32];
        byte[] signer = new byte[32];
        fill(root);
        fill(signer);
        byte[] delegation = DelegationWriter.Create(root, Ed25519KeyFile.DerivePublicKey(signer), keyId, products, 0, notBefore, notAfter);
        return new SigningKit(root, signer, keyId, delegation);
    }

    /// <summary>A second signing key delegated by the same root (to show key rotation and revocation).</summary>
    public SigningKit Delegate(Action<byte[]> fill, string keyId, IReadOnlyList<string> products, long notBefore, long notAfter)
    {
        byte[] root = (byte[])_rootSeed.Clone();
        byte[] signer = new byte[32];
        fill(signer);
        byte[] delegation = DelegationWriter.Create(root, Ed25519KeyFile.DerivePublicKey(signer), keyId, products, 0, notBefore, notAfter);
        return new SigningKit(root, signer, keyId, delegation);
    }

    /// <summary>Trust anchors holding this kit's root.</summary>
    public TrustAnchors Anchors()
    {
        var anchors = new TrustAnchors();
        anchors.TryAdd(RootPublicKey, 0);
        return anchors;
    }

    /// <summary>Signs a bundle of <paramref name="files"/>; the first file is the entry assembly.</summary>
    public SignedBundle Sign(string product, IReadOnlyList<string> hardware, string version, long securityVersion, long created,
        IReadOnlyList<(string Name, byte[] Content)> files, IReadOnlyList<string>? revokes = null, long? expires = null)
    {
        string entryAssembly = Path.GetFileNameWithoutExtension(files[0].Name);
        var content = new ManifestContent(product, hardware, version, securityVersion, 1, created, expires, KeyId,
            entryAssembly, entryAssembly + ".Application", "Start", revokes ?? Array.Empty<string>(),
            files.Select(f => (f.Name, (long)f.Content.Length, SHA256.HashData(f.Content))).ToArray());
        byte[] manifest = ManifestWriter.Write(content);
        var parser = new ManifestParser();
        if (parser.TryParse(manifest, 0, manifest.Length, out _) is var status && status != DocumentStatus.Valid)
        {
            throw new InvalidOperationException("generated manifest does not parse: " + parser.Describe(status));
        }

        byte[] signature = new byte[64];
        _signer.Sign(_signerSeed, 0, manifest, 0, manifest.Length, signature, 0);
        return new SignedBundle(manifest, signature, Delegation, files);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_rootSeed);
        CryptographicOperations.ZeroMemory(_signerSeed);
    }
}
