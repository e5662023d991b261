using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;

namespace SecureDevice.WebConsole.Accounts;

/// <summary>
/// TOTP secrets at rest (docs/console.md, "TOTP secrets at rest"): AES-256-GCM under a 32-byte key kept in the data
/// folder as <see cref="KeyFileName"/> (0600, created once, never in the database), so a copy of the database alone
/// (a backup, a dump, a stolen PostgreSQL replica) holds no secret that produces codes. Stored form:
/// <c>v1.KEYID.BASE64URL(nonce 12 | ciphertext | tag 16)</c>, KEYID the first 8 hex digits of SHA-256(key) (so a row
/// sealed under another key is told apart from a damaged one), the account name as associated data (a sealed secret
/// copied onto another account does not open). Base32 secrets never contain '.', so a clear row is never mistaken for
/// a sealed one.
/// Why not ASP.NET Core Data Protection: on Linux it writes its key ring as plain XML with the process umask and
/// rolls new keys every 90 days by itself (two processes sharing the folder, the CLI and the service, would both
/// generate); one owner-only key file with an explicit, versioned format is simpler to check, back up and copy to a
/// second instance, and the version/key id leave room for rotation.
/// </summary>
public sealed class TotpSecretProtector
{
    public const string KeyFileName = "console-totp.key";
    public const string Prefix = "v1.";

    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _key;

    private TotpSecretProtector(byte[] key)
    {
        _key = key;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key))[..8];
    }

    /// <summary>First 8 hex digits of SHA-256(key): names the key in sealed values and logs, reveals nothing useful.</summary>
    public string KeyId { get; }

    /// <summary>
    /// The key of <paramref name="dataFolder"/>, made (32 random bytes, 0600, exclusive create) when absent.
    /// </summary>
    /// <exception cref="FleetException">The key file is not a regular file of 32 bytes, or it is open to group/others.</exception>
    public static TotpSecretProtector OpenOrCreate(string dataFolder)
    {
        string path = Path.Combine(dataFolder, KeyFileName);
        if (SafeFileReader.KindOf(path) == FileKind.Missing)
        {
            try
            {
                AtomicFile.WriteNew(path, RandomNumberGenerator.GetBytes(KeyBytes), AtomicFile.PrivateMode);
            }
            catch (FleetException error) when (error.Error == FleetError.AlreadyExists)
            {
                // Another process (the CLI and the service) made it first: use theirs.
            }
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~AtomicFile.PrivateMode) != 0)
        {
            throw new FleetException(FleetError.InvalidArgument, "the console TOTP key " + path + " is open to group/others (mode "
                + Convert.ToString((int)File.GetUnixFileMode(path), 8) + "): chmod 600 it");
        }

        byte[] key = SafeFileReader.Read(path, KeyBytes, "console TOTP key");
        if (key.Length != KeyBytes)
        {
            throw new FleetException(FleetError.InvalidArgument, "the console TOTP key " + path + " must be exactly " + KeyBytes + " bytes");
        }

        return new TotpSecretProtector(key);
    }

    /// <summary>A protector over a key the caller holds (tests: another instance's key).</summary>
    internal static TotpSecretProtector FromKey(byte[] key) => key.Length == KeyBytes ? new TotpSecretProtector((byte[])key.Clone()) : throw new ArgumentException("32 bytes", nameof(key));

    /// <summary>True for the stored form of a sealed secret (whatever its key); false for a clear Base32 secret of an older version.</summary>
    public static bool IsSealed(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Seals <paramref name="secret"/> for the account <paramref name="userName"/> under a fresh random nonce.</summary>
    public string Seal(string userName, string secret)
    {
        byte[] plain = Encoding.UTF8.GetBytes(secret);
        byte[] blob = new byte[NonceBytes + plain.Length + TagBytes];
        Span<byte> nonce = blob.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagBytes))
        {
            aes.Encrypt(nonce, plain, blob.AsSpan(NonceBytes, plain.Length), blob.AsSpan(NonceBytes + plain.Length), Associated(userName));
        }

        CryptographicOperations.ZeroMemory(plain);
        return Prefix + KeyId + "." + Base64Url(blob);
    }

    /// <summary>
    /// Opens a stored secret of <paramref name="userName"/>. False, and no secret, for a clear value, a value sealed
    /// under another key, for another account, or altered: the caller fails closed.
    /// </summary>
    public bool TryOpen(string userName, string stored, out string secret)
    {
        secret = string.Empty;
        string[] parts = stored.Split('.');
        if (parts.Length != 3 || parts[0] + "." != Prefix || parts[1] != KeyId || !TryFromBase64Url(parts[2], out byte[] blob) || blob.Length <= NonceBytes + TagBytes)
        {
            return false;
        }

        int length = blob.Length - NonceBytes - TagBytes;
        byte[] plain = new byte[length];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(blob.AsSpan(0, NonceBytes), blob.AsSpan(NonceBytes, length), blob.AsSpan(NonceBytes + length), plain, Associated(userName));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        secret = Encoding.UTF8.GetString(plain);
        CryptographicOperations.ZeroMemory(plain);
        return true;
    }

    private static byte[] Associated(string userName) => Encoding.UTF8.GetBytes("securedevice/console-totp/v1/" + userName);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryFromBase64Url(string text, out byte[] bytes)
    {
        bytes = Array.Empty<byte>();
        if (text.Length is 0 or > 512)
        {
            return false;
        }

        string padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
