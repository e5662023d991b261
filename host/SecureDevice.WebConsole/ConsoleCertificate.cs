using System;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Fleet;

namespace SecureDevice.WebConsole;

/// <summary>The console's HTTPS certificate: a PEM certificate (chain) and its PEM key, the key file private to its owner.</summary>
public static class ConsoleCertificate
{
    private const UnixFileMode NotOwner = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <exception cref="FleetException">A missing file, a key readable by others, a key that does not match.</exception>
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            throw new FleetException(FleetError.NotFound, "the console certificate " + certificatePath + " or its key " + keyPath + " does not exist");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(keyPath) & NotOwner) != 0)
        {
            throw new FleetException(FleetError.UnsafeFile, "the console key " + keyPath + " is readable by others: chmod 600 it");
        }

        try
        {
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null); // Kestrel on Linux wants a stored key
        }
        catch (CryptographicException error)
        {
            throw new FleetException(FleetError.InvalidDocument, "the console certificate " + certificatePath + " and key " + keyPath + " cannot be used: " + error.Message);
        }
    }
}
