using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Fleet.Signing;

namespace SecureDevice.Lab.Signing;

/// <summary>
/// A throwaway root key and delegated signing key held in memory, for simulations and the demo: what <c>keys new</c>,
/// <c>keys delegate</c> and <c>sign</c> do with files, without files, through the same <see cref="BundleSigner"/>
/// pipeline (delegation checks and device self-check included). Keys are zeroed on <see cref="Dispose"/>. Not for
/// production signing: real keys live in files written with mode 0600, or in an HSM.
/// </summary>
public sealed class SigningKit : IDisposable
{
    private readonly SigningKey _root;
    private readonly SigningKey _signer;

    private SigningKit(SigningKey root, SigningKey signer, string keyId, byte[] delegation)
    {
        _root = root;
        _signer = signer;
        KeyId = keyId;
        Delegation = delegation;
    }

    /// <summary>The delegated key's id.</summary>
    public string KeyId { get; }

    /// <summary>The delegation file of the signing key.</summary>
    public byte[] Delegation { get; }

    /// <summary>The root public key devices trust.</summary>
    public byte[] RootPublicKey => _root.PublicKey;

    /// <summary>Creates a kit; the seeds come from <paramref name="fill"/> (a CSPRNG, or a seeded stream for repeatable runs).</summary>
    public static SigningKit Create(Action<byte[]> fill, string keyId, IReadOnlyList<string> products, long notBefore, long notAfter)
    {
        SigningKey root = SigningKey.FromSeed(Seed(fill));
        return Delegated(root, fill, keyId, products, notBefore, notAfter);
    }

    /// <summary>A second signing key delegated by the same root (to show key rotation and revocation).</summary>
    public SigningKit Delegate(Action<byte[]> fill, string keyId, IReadOnlyList<string> products, long notBefore, long notAfter) =>
        Delegated(_root.Copy(), fill, keyId, products, notBefore, notAfter);

    /// <summary>Trust anchors holding this kit's root.</summary>
    public TrustAnchors Anchors()
    {
        var anchors = new TrustAnchors();
        anchors.TryAdd(RootPublicKey, 0);
        return anchors;
    }

    /// <summary>Signs a bundle of <paramref name="files"/> (the first is the entry assembly); writes it to <paramref name="output"/> when given.</summary>
    public SignedBundle Sign(string product, IReadOnlyList<string> hardware, string version, long securityVersion, long created,
        IReadOnlyList<(string Name, byte[] Content)> files, IReadOnlyList<string>? revokes = null, long? expires = null, string? output = null)
    {
        string entryAssembly = Path.GetFileNameWithoutExtension(files[0].Name);
        return BundleSigner.Sign(new SigningRequest
        {
            Key = _signer,
            Delegation = Delegation,
            Roots = Anchors(),
            Product = product,
            Hardware = hardware,
            Version = version,
            SecurityVersion = securityVersion,
            Created = created,
            Expires = expires,
            Entry = new EntryPoint(entryAssembly, entryAssembly + ".Application", "Start"),
            Revokes = revokes ?? Array.Empty<string>(),
            Files = files.Select(f => new BundlePayload(f.Name, f.Content)).ToArray(),
            Output = output,
        });
    }

    /// <summary>Writes an already signed bundle into a new folder, read back through the verifier before it is kept.</summary>
    public void Write(SignedBundle bundle, string folder, long now) => BundleSigner.WriteChecked(bundle, folder, Anchors(), now);

    public void Dispose()
    {
        _root.Dispose();
        _signer.Dispose();
    }

    /// <summary>Puts <paramref name="bundle"/> into a slot of a simulated flash, as factory programming does.</summary>
    public static void InstallInto(SignedBundle bundle, MemoryFileStore flash, int slot)
    {
        flash.Put(SlotLayout.Path(slot, SlotLayout.Manifest), bundle.Manifest);
        flash.Put(SlotLayout.Path(slot, SlotLayout.Signature), bundle.Signature);
        flash.Put(SlotLayout.Path(slot, SlotLayout.Delegation), bundle.Delegation);
        foreach (BundlePayload file in bundle.Files)
        {
            flash.Put(SlotLayout.Path(slot, file.Name), file.Content);
        }
    }

    private static SigningKit Delegated(SigningKey root, Action<byte[]> fill, string keyId, IReadOnlyList<string> products, long notBefore, long notAfter)
    {
        SigningKey signer = SigningKey.FromSeed(Seed(fill));
        return new SigningKit(root, signer, keyId, root.Delegate(signer.PublicKey, keyId, products, 0, notBefore, notAfter));
    }

    private static byte[] Seed(Action<byte[]> fill)
    {
        byte[] seed = new byte[32];
        fill(seed);
        return seed;
    }
}
