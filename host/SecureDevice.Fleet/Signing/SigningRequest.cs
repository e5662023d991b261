using System;
using System.Collections.Generic;
using SecureDevice.Core.Bundle;

namespace SecureDevice.Fleet.Signing;

/// <summary>One payload file of a bundle: its name in the bundle and the exact bytes that are hashed, sized and written.</summary>
public sealed record BundlePayload(string Name, byte[] Content);

/// <summary>Everything <see cref="BundleSigner.Sign"/> needs. Times are Unix seconds, UTC.</summary>
public sealed class SigningRequest
{
    /// <summary>The delegated signing key.</summary>
    public required SigningKey Key { get; init; }

    /// <summary>The delegation file of <see cref="Key"/>, as written by 'keys delegate'.</summary>
    public required byte[] Delegation { get; init; }

    /// <summary>The roots devices trust; the delegation must come from one of them (the self-check verifies the whole chain).</summary>
    public required TrustAnchors Roots { get; init; }

    public required string Product { get; init; }

    /// <summary>Hardware models the bundle is for (at least one).</summary>
    public required IReadOnlyList<string> Hardware { get; init; }

    /// <summary>"major.minor.patch".</summary>
    public required string Version { get; init; }

    public required long SecurityVersion { get; init; }

    public long MinLoaderVersion { get; init; } = 1;

    /// <summary>Signing time; the delegation must be valid then.</summary>
    public required long Created { get; init; }

    /// <summary>Expiry of the manifest, or null for none.</summary>
    public long? Expires { get; init; }

    public required EntryPoint Entry { get; init; }

    /// <summary>Signing key ids devices refuse from the moment they install this bundle.</summary>
    public IReadOnlyList<string> Revokes { get; init; } = Array.Empty<string>();

    /// <summary>The payload files (1 to 16); the entry assembly must be one of them.</summary>
    public required IReadOnlyList<BundlePayload> Files { get; init; }

    /// <summary>Bundle folder to create (must not exist), or null to sign in memory only.</summary>
    public string? Output { get; init; }
}
