using System;
using System.Security.Cryptography;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Fleet.Signing;

/// <summary>An Ed25519 private key (its 32-byte seed) held in memory only as long as needed: zeroed on dispose.</summary>
public sealed class SigningKey : IDisposable
{
    private readonly byte[] _seed;

    private SigningKey(byte[] seed)
    {
        _seed = seed;
        PublicKey = Ed25519KeyFile.DerivePublicKey(seed);
    }

    /// <summary>The public key, derived from the seed (never read from a file).</summary>
    public byte[] PublicKey { get; }

    /// <summary>Takes ownership of <paramref name="seed"/> (32 bytes), which is zeroed on dispose.</summary>
    public static SigningKey FromSeed(byte[] seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("an Ed25519 seed is 32 bytes", nameof(seed));
        }

        return new SigningKey(seed);
    }

    /// <summary>An independent copy (its own seed buffer, zeroed on its own dispose).</summary>
    public SigningKey Copy() => new((byte[])_seed.Clone());

    /// <summary>A new random key.</summary>
    public static SigningKey Generate() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>Reads a PKCS#8 PEM private key file under the safe-file rule.</summary>
    /// <exception cref="FleetException">Unreadable, unsafe or not an unencrypted Ed25519 key.</exception>
    public static SigningKey FromFile(string path, string what) => new(Ed25519KeyFile.ReadPrivateKeyFile(path, what));

    /// <summary>The 64-byte signature of <paramref name="message"/>.</summary>
    public byte[] Sign(byte[] message, int offset, int count)
    {
        byte[] signature = new byte[64];
        new Ed25519Signer().Sign(_seed, 0, message, offset, count, signature, 0);
        return signature;
    }

    /// <summary>The PKCS#8 PEM text of this key (for writing a 0600 key file).</summary>
    public string PrivateKeyPem() => Ed25519KeyFile.PrivateKeyPem(_seed);

    /// <summary>A signed delegation of <paramref name="signer"/> by this (root) key; see <see cref="DelegationWriter"/>.</summary>
    public byte[] Delegate(byte[] signer, string keyId, System.Collections.Generic.IReadOnlyList<string> products, long minSecurityVersion, long notBefore, long notAfter) =>
        DelegationWriter.Create(_seed, signer, keyId, products, minSecurityVersion, notBefore, notAfter);

    public void Dispose() => CryptographicOperations.ZeroMemory(_seed);
}
