namespace SecureDevice.Fleet.Signing;

/// <summary>File names inside a bundle folder (docs/bundle-format.md).</summary>
public static class BundleLayout
{
    /// <summary>The manifest: the exact bytes the signature covers.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The raw 64-byte Ed25519 signature over <see cref="Manifest"/>.</summary>
    public const string Signature = "manifest.sig";

    /// <summary>The signer delegation (magic, length, JSON body, root signature).</summary>
    public const string Delegation = "signer.delegation";
}
