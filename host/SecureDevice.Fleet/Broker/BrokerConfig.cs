using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Reflection;
using System.Text;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Text;

namespace SecureDevice.Fleet.Broker;

/// <summary>What <see cref="BrokerConfig.Write"/> renders.</summary>
public sealed class BrokerConfigRequest
{
    public required PkiLayout Pki { get; init; }

    /// <summary>Folder for mosquitto.conf and acl (created when missing).</summary>
    public required string OutputFolder { get; init; }

    /// <summary>TLS port, 1..65535.</summary>
    public int Port { get; init; } = 8883;

    /// <summary>The address to listen on: an IP address, rendered canonically (never text from the caller).</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    /// <summary>mosquitto's whole-heap ceiling, bytes (default 512 MiB).</summary>
    public long MemoryLimitBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Connections accepted on the listener (default 100,000).</summary>
    public int MaxConnections { get; init; } = 100_000;
}

/// <summary>
/// Renders the reference mosquitto configuration (host/broker/*.template) for a PKI folder. mosquitto.conf has no
/// quoting: every value that goes in is either produced here (numbers, the canonical form of an IP address) or checked
/// by <see cref="GeneratedText.MosquittoValue"/> (paths, the user name), which refuses control characters.
/// </summary>
public static class BrokerConfig
{
    public const string ConfigFile = "mosquitto.conf";
    public const string AclFile = "acl";

    /// <summary>The first topic level of every device topic.</summary>
    public const string TopicPrefix = "devices";

    /// <summary>Writes mosquitto.conf and acl (never overwriting) and returns the config path.</summary>
    /// <exception cref="FleetException">A bad port or limit, a PKI file missing, a path mosquitto.conf cannot hold, or an existing output.</exception>
    public static string Write(BrokerConfigRequest request)
    {
        if (request.Port < 1 || request.Port > 65535)
        {
            throw new FleetException(FleetError.InvalidArgument, "the port must be 1..65535");
        }

        if (request.MemoryLimitBytes < 16L * 1024 * 1024 || request.MaxConnections < 1)
        {
            throw new FleetException(FleetError.InvalidArgument, "the memory limit must be at least 16 MiB and the connection limit at least 1");
        }

        PkiLayout pki = request.Pki;
        foreach (string required in new[] { pki.ClientCaBundle, pki.BrokerCertificate, pki.BrokerKey, pki.Crl })
        {
            if (SafeFileReader.KindOf(required, followLinks: true) != FileKind.Regular)
            {
                throw new FleetException(FleetError.NotFound, "missing " + required + " (run 'securedevice pki init' first)");
            }
        }

        string folder = Path.GetFullPath(request.OutputFolder);
        string aclPath = Path.Combine(folder, AclFile);
        string configPath = Path.Combine(folder, ConfigFile);
        string config = Template("mosquitto.conf.template")
            .Replace("{{USER}}", GeneratedText.MosquittoValue(CurrentUser(), "the user name"), StringComparison.Ordinal)
            .Replace("{{PORT}}", request.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{BIND}}", request.Bind.ToString(), StringComparison.Ordinal)
            .Replace("{{MEMORY_LIMIT}}", request.MemoryLimitBytes.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{MAX_CONNECTIONS}}", request.MaxConnections.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{ACLFILE}}", GeneratedText.MosquittoValue(aclPath, "the ACL path"), StringComparison.Ordinal)
            .Replace("{{PERSISTENCE}}", GeneratedText.MosquittoValue(folder + Path.DirectorySeparatorChar, "the output folder"), StringComparison.Ordinal)
            .Replace("{{CAFILE}}", GeneratedText.MosquittoValue(pki.ClientCaBundle, "the PKI folder path"), StringComparison.Ordinal)
            .Replace("{{CERTFILE}}", GeneratedText.MosquittoValue(pki.BrokerCertificate, "the PKI folder path"), StringComparison.Ordinal)
            .Replace("{{KEYFILE}}", GeneratedText.MosquittoValue(pki.BrokerKey, "the PKI folder path"), StringComparison.Ordinal)
            .Replace("{{CRLFILE}}", GeneratedText.MosquittoValue(pki.Crl, "the PKI folder path"), StringComparison.Ordinal);
        string acl = Template("acl.template").Replace("{{PREFIX}}", TopicPrefix, StringComparison.Ordinal);
        AtomicFile.RefuseExisting(aclPath);
        AtomicFile.RefuseExisting(configPath);
        AtomicFile.EnsureFolder(folder, AtomicFile.PrivateFolderMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        AtomicFile.WriteNew(aclPath, Encoding.UTF8.GetBytes(acl), AtomicFile.PublicMode);
        AtomicFile.WriteNew(configPath, Encoding.UTF8.GetBytes(config), AtomicFile.PublicMode);
        return configPath;
    }

    private static string Template(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException("missing embedded " + name);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // mosquitto started as root drops to the configured user before reading the key, which only its owner may read.
    private static string CurrentUser() => string.IsNullOrEmpty(Environment.UserName) ? "root" : Environment.UserName;
}
