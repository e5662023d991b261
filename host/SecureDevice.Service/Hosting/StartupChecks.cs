using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Service.Hosting;

/// <summary>What the service checks before it touches anything; each failure is one line naming the file and the fix.</summary>
public static class StartupChecks
{
    /// <summary>Group and other permission bits: a private key with any of them is refused.</summary>
    private const UnixFileMode NotOwner = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Checks the folders, the identity and the database URL; returns the identity and trust anchor to use.</summary>
    /// <exception cref="FleetException">A missing or unreadable folder, a key readable by others, a mismatched key, a bad URL.</exception>
    public static (X509Certificate2 Certificate, X509Certificate2 Anchor) Check(ServiceOptions options)
    {
        if (options.DatabaseUrl != null)
        {
            Storage.DatabaseUrl.Parse(options.DatabaseUrl);
        }

        if (!IsIdentityName(options.Identity))
        {
            throw new FleetException(FleetError.InvalidArgument, "--identity must be 1-64 of [A-Za-z0-9._-] (a file name in the PKI folder), got '" + options.Identity + "'");
        }

        SafeFileReader.RequireReadableFolder(options.PkiFolder, "PKI folder");
        var pki = new PkiLayout(options.PkiFolder);
        pki.RequireExisting();
        SafeFileReader.RequireReadableFolder(options.DataFolder, "data folder");
        RequireWritable(options.DataFolder);
        string certificate = Path.Combine(pki.Folder, options.Identity + ".pem");
        string key = Path.Combine(pki.Folder, options.Identity + ".key.pem");
#pragma warning disable CA1416 // guarded by IsWindows: the analyser does not follow && into the block
        if (!OperatingSystem.IsWindows() && SafeFileReader.KindOf(key, followLinks: true) == FileKind.Regular && (File.GetUnixFileMode(key) & NotOwner) != 0)
        {
            throw new FleetException(FleetError.UnsafeFile, "the service key " + key + " is readable by others (mode "
                + Convert.ToString((int)File.GetUnixFileMode(key), 8) + "): chmod 600 it");
#pragma warning restore CA1416
        }

        using IssuedCertificate identity = CertificateAuthority.Load(certificate, key);
        string commonName = identity.Certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (commonName != options.Identity)
        {
            throw new FleetException(FleetError.InvalidDocument, "the certificate " + certificate + " is for '" + commonName + "', not '" + options.Identity + "'");
        }

        X509Certificate2 withKey = identity.Certificate.CopyWithPrivateKey(identity.Key);
        X509Certificate2 anchor = CertificateAuthority.LoadCertificate(pki.RootCertificate);
        return (withKey, anchor);
    }

    /// <summary>1-64 of [A-Za-z0-9._-], not starting with a dot.</summary>
    public static bool IsIdentityName(string name)
    {
        if (name.Length is 0 or > 64 || name[0] == '.')
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static void RequireWritable(string folder)
    {
        string probe = Path.Combine(folder, ".write-check-" + Environment.ProcessId);
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot write to the data folder " + Path.GetFullPath(folder) + ": " + error.Message);
        }
    }
}
