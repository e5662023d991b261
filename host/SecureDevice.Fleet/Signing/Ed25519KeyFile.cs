using System;
using System.Numerics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using SecureDevice.Core.Crypto;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Signing;

/// <summary>
/// Ed25519 keys in the standard PEM forms OpenSSL, HSM exports and <c>openssl pkeyutl</c> use (RFC 8410):
/// "PRIVATE KEY" = PKCS#8 PrivateKeyInfo or OneAsymmetricKey with the 32-byte seed; "PUBLIC KEY" = SubjectPublicKeyInfo.
/// Parsing is strict DER; encrypted keys are refused with advice. Files are read under <see cref="SafeFileReader"/>'s rule.
/// </summary>
public static class Ed25519KeyFile
{
    /// <summary>id-Ed25519.</summary>
    public const string Oid = "1.3.101.112";

    /// <summary>Largest key file read (a PEM key is about 120 bytes; this leaves room for comments and chains).</summary>
    public const long MaxFileBytes = 16 * 1024;

    /// <summary>Reads the 32-byte seed from the private-key file <paramref name="path"/>; the caller zeroes it after use.</summary>
    public static byte[] ReadPrivateKeyFile(string path, string what) => ReadPrivateKey(ReadText(path, what), path);

    /// <summary>Reads the 32-byte public key from the public-key file <paramref name="path"/>.</summary>
    public static byte[] ReadPublicKeyFile(string path, string what) => ReadPublicKey(ReadText(path, what), path);

    /// <summary>A key file as ASCII text, read under the safe-file rule.</summary>
    public static string ReadText(string path, string what) => Encoding.ASCII.GetString(SafeFileReader.Read(path, MaxFileBytes, what));

    /// <summary>PEM of the PKCS#8 private key for <paramref name="seed"/>.</summary>
    public static string PrivateKeyPem(ReadOnlySpan<byte> seed)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oid);
            }

            var inner = new AsnWriter(AsnEncodingRules.DER);
            inner.WriteOctetString(seed);
            writer.WriteOctetString(inner.Encode());
        }

        return new string(PemEncoding.Write("PRIVATE KEY", writer.Encode())) + "\n";
    }

    /// <summary>PEM of the SubjectPublicKeyInfo for <paramref name="publicKey"/>.</summary>
    public static string PublicKeyPem(ReadOnlySpan<byte> publicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oid);
            }

            writer.WriteBitString(publicKey);
        }

        return new string(PemEncoding.Write("PUBLIC KEY", writer.Encode())) + "\n";
    }

    /// <summary>The 32-byte seed from a private-key PEM.</summary>
    /// <exception cref="FleetException">Not an unencrypted Ed25519 private key.</exception>
    public static byte[] ReadPrivateKey(string pem, string source)
    {
        byte[] der = Decode(pem, "PRIVATE KEY", source);
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            // An INTEGER of any size: compared as a big integer, never cast (a 2^64 version must be a clean refusal).
            BigInteger version = info.ReadInteger();
            if (version != BigInteger.Zero && version != BigInteger.One)
            {
                throw new FleetException(FleetError.InvalidDocument, source + ": unsupported PKCS#8 version " + (version.GetByteCount() > 8 ? "(" + version.GetByteCount() + "-byte integer)" : version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            ReadAlgorithm(info, source);
            var inner = new AsnReader(info.ReadOctetString(), AsnEncodingRules.DER);
            byte[] seed = inner.ReadOctetString();
            inner.ThrowIfNotEmpty();
            if (seed.Length != 32)
            {
                throw new FleetException(FleetError.InvalidDocument, source + ": Ed25519 private key must be 32 bytes, found " + seed.Length);
            }

            // Optional attributes [0] and public key [1] of OneAsymmetricKey are allowed and ignored; the public key is
            // always derived from the seed, never trusted from the file.
            while (info.HasData)
            {
                info.ReadEncodedValue();
            }

            return seed;
        }
        catch (AsnContentException error)
        {
            throw new FleetException(FleetError.InvalidDocument, source + ": malformed private key (" + error.Message + ")");
        }
    }

    /// <summary>The 32-byte public key from a public-key PEM.</summary>
    /// <exception cref="FleetException">Not an Ed25519 SubjectPublicKeyInfo.</exception>
    public static byte[] ReadPublicKey(string pem, string source)
    {
        byte[] der = Decode(pem, "PUBLIC KEY", source);
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            ReadAlgorithm(info, source);
            byte[] key = info.ReadBitString(out int unusedBits);
            info.ThrowIfNotEmpty();
            if (unusedBits != 0 || key.Length != 32)
            {
                throw new FleetException(FleetError.InvalidDocument, source + ": Ed25519 public key must be 32 bytes");
            }

            return key;
        }
        catch (AsnContentException error)
        {
            throw new FleetException(FleetError.InvalidDocument, source + ": malformed public key (" + error.Message + ")");
        }
    }

    /// <summary>The public key of a seed.</summary>
    public static byte[] DerivePublicKey(byte[] seed)
    {
        byte[] publicKey = new byte[32];
        new Ed25519Signer().DerivePublicKey(seed, 0, publicKey, 0);
        return publicKey;
    }

    private static void ReadAlgorithm(AsnReader info, string source)
    {
        AsnReader algorithm = info.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();
        if (oid != Oid)
        {
            throw new FleetException(FleetError.InvalidDocument, source + ": not an Ed25519 key (algorithm " + oid + ")");
        }

        // RFC 8410: the parameters must be absent.
        algorithm.ThrowIfNotEmpty();
    }

    private static byte[] Decode(string pem, string label, string source)
    {
        if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new FleetException(FleetError.InvalidDocument, source + ": encrypted private keys are not supported; decrypt with 'openssl pkey -in KEY -out PLAIN'");
        }

        if (!PemEncoding.TryFind(pem, out PemFields fields) || pem[fields.Label] != label)
        {
            throw new FleetException(FleetError.InvalidDocument, source + ": no \"" + label + "\" PEM block found");
        }

        try
        {
            return Convert.FromBase64String(pem[fields.Base64Data].ToString());
        }
        catch (FormatException)
        {
            throw new FleetException(FleetError.InvalidDocument, source + ": the \"" + label + "\" PEM block is not valid base64");
        }
    }
}
