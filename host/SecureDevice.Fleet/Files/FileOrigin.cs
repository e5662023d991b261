namespace SecureDevice.Fleet.Files;

/// <summary>Who named a file, which decides whether a symbolic link may stand for it (docs/safe-files.md).</summary>
public enum FileOrigin
{
    /// <summary>The operator named the path (a key, a certificate, a payload to sign): a link is followed to its target.</summary>
    Operator,

    /// <summary>A bundle or a request named the file below a folder: it must be the entry itself, never a link.</summary>
    Contained,
}
