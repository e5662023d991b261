namespace SecureDevice.WebConsole.Scanning;

/// <summary>What <see cref="SecretScanner"/> found.</summary>
public enum SecretKind
{
    /// <summary>A PEM private key block (PKCS#8, EC, RSA, DSA).</summary>
    PrivateKey,

    /// <summary>A PEM <c>ENCRYPTED PRIVATE KEY</c> block: still a leak (offline guessing of its passphrase).</summary>
    EncryptedPrivateKey,

    /// <summary>An <c>OPENSSH PRIVATE KEY</c> block.</summary>
    OpenSshPrivateKey,

    /// <summary>Another PEM-armoured private key (<c>PGP PRIVATE KEY BLOCK</c> and the like).</summary>
    OtherPrivateKey,

    /// <summary>A console API token (<see cref="Api.ApiTokenFormat"/>, checksum verified).</summary>
    ApiToken,

    /// <summary>A file named like one of the PKI's key files (<c>*.key.pem</c>, <c>*.p12</c>, <c>*.pfx</c>) with no PEM block found in it.</summary>
    KeyFileName,
}

/// <summary>One finding: where (a path, or COMMIT:PATH, or staged:PATH), what, and on which line (1-based; 0 for a file name).</summary>
public sealed record SecretFinding(string Location, SecretKind Kind, int Line)
{
    public static string KindName(SecretKind kind) => kind switch
    {
        SecretKind.PrivateKey => "private-key",
        SecretKind.EncryptedPrivateKey => "encrypted-private-key",
        SecretKind.OpenSshPrivateKey => "openssh-private-key",
        SecretKind.OtherPrivateKey => "other-private-key",
        SecretKind.ApiToken => "api-token",
        _ => "key-file-name",
    };

    /// <summary>The line printed for it (the caller escapes untrusted text): never the secret itself.</summary>
    public override string ToString() => Location + ": " + KindName(Kind) + (Line > 0 ? " line " + Line : string.Empty);
}
