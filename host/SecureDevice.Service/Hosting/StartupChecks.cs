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

    /// <summary>
    /// Checks the folders, the identity, its command identity (<c>commands.IDENTITY</c>) and the database URL; returns
    /// the two identities and the trust anchor to use.
    /// </summary>
    /// <exception cref="FleetException">A missing or unreadable folder, a missing identity, a key readable by others, a mismatched key, a bad URL.</exception>
    public static (X509Certificate2 Certificate, X509Certificate2 Commands, X509Certificate2 Anchor) Check(ServiceOptions options)
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
        X509Certificate2 withKey = LoadIdentity(pki, options.Identity, "service");
        string commandName = ServiceIdentity.CommandName(options.Identity);
        if (SafeFileReader.KindOf(Path.Combine(pki.Folder, commandName + ".pem"), followLinks: true) == FileKind.Missing
            || SafeFileReader.KindOf(Path.Combine(pki.Folder, commandName + ".key.pem"), followLinks: true) == FileKind.Missing)
        {
            // A PKI folder made before command identities existed: say how to issue it (and grant its broker role).
            throw new FleetException(FleetError.NotFound, "the command identity " + commandName + " is missing from " + pki.Folder + ": issue it with 'securedevice service identity "
                + options.Identity + " --pki " + options.PkiFolder + " --broker HOST:PORT' (docs/service.md, \"Command connection\")");
        }

        X509Certificate2 commands = LoadIdentity(pki, commandName, "command");
        X509Certificate2 anchor = CertificateAuthority.LoadCertificate(pki.RootCertificate);
        return (withKey, commands, anchor);
    }

    /// <summary>NAME.pem with NAME.key.pem of the PKI folder: the key owner-only, the certificate's CN NAME.</summary>
    private static X509Certificate2 LoadIdentity(PkiLayout pki, string name, string what)
    {
        string certificate = Path.Combine(pki.Folder, name + ".pem");
        string key = Path.Combine(pki.Folder, name + ".key.pem");
#pragma warning disable CA1416 // guarded by IsWindows: the analyser does not follow && into the block
        if (!OperatingSystem.IsWindows() && SafeFileReader.KindOf(key, followLinks: true) == FileKind.Regular && (File.GetUnixFileMode(key) & NotOwner) != 0)
        {
            throw new FleetException(FleetError.UnsafeFile, "the " + what + " key " + key + " is readable by others (mode "
                + Convert.ToString((int)File.GetUnixFileMode(key), 8) + "): chmod 600 it");
#pragma warning restore CA1416
        }

        using IssuedCertificate identity = CertificateAuthority.Load(certificate, key);
        string commonName = identity.Certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (commonName != name)
        {
            throw new FleetException(FleetError.InvalidDocument, "the certificate " + certificate + " is for '" + commonName + "', not '" + name + "'");
        }

        return identity.Certificate.CopyWithPrivateKey(identity.Key);
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
