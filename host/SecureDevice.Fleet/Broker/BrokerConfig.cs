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

    /// <summary>Connections accepted on the listener (default 100,000).</summary>
    public int MaxConnections { get; init; } = 100_000;

    /// <summary>mosquitto's dynamic-security plugin (null: found where Debian and other distributions install it).</summary>
    public string? DynamicSecurityPlugin { get; init; }

    /// <summary>
    /// The refusal counter plugin (host/broker/refusal-counter). Null: <see cref="BrokerConfig.RefusalCounterDefault"/> if
    /// that file exists, else the configuration goes without it (publishes refused by the ACL are then not counted).
    /// A path given here must exist.
    /// </summary>
    public string? RefusalCounterPlugin { get; init; }

    /// <summary>The refusal counter's reporting interval in seconds, 1..3600 (default 10).</summary>
    public int RefusalInterval { get; init; } = 10;
}

/// <summary>
/// Renders the reference mosquitto configuration (host/broker/mosquitto.conf.template) and the dynamic-security plugin's
/// file (<see cref="DynamicSecurityFile"/>: the rights table, one client and role per active device of the inventory) for a
/// PKI folder. mosquitto.conf has no quoting: every value that goes in is either produced here (numbers, the canonical form
/// of an IP address) or checked by <see cref="GeneratedText.MosquittoValue"/> (paths, the user name), which refuses
/// control characters.
/// </summary>
public static class BrokerConfig
{
    public const string ConfigFile = "mosquitto.conf";

    /// <summary>The plugin's file name; <see cref="PluginSearchFolders"/> are searched for it (Debian: the multiarch folder).</summary>
    public const string PluginFileName = "mosquitto_dynamic_security.so";

    /// <summary>Where distributions install mosquitto's plugins: each folder itself and its direct subfolders (multiarch).</summary>
    public static readonly string[] PluginSearchFolders = { "/usr/lib", "/usr/local/lib", "/usr/lib64" };

    /// <summary>The refusal counter's file name (built by <c>make -C host/broker/refusal-counter</c>).</summary>
    public const string RefusalCounterFileName = "securedevice_refusal_counter.so";

    /// <summary>Where <c>broker config</c> looks for the refusal counter when none is named.</summary>
    public const string RefusalCounterDefault = "/usr/local/lib/securedevice/" + RefusalCounterFileName;

    /// <summary>The first topic level of every device topic.</summary>
    public const string TopicPrefix = "devices";

    /// <summary>Writes mosquitto.conf and dynamic-security.json (never overwriting) and returns the config path.</summary>
    /// <exception cref="FleetException">A bad port or limit, a PKI file or the plugin missing, a path mosquitto.conf cannot hold, or an existing output.</exception>
    public static string Write(BrokerConfigRequest request)
    {
        if (request.Port < 1 || request.Port > 65535)
        {
            throw new FleetException(FleetError.InvalidArgument, "the port must be 1..65535");
        }

        if (request.MaxConnections < 1)
        {
            throw new FleetException(FleetError.InvalidArgument, "the connection limit must be at least 1");
        }

        PkiLayout pki = request.Pki;
        foreach (string required in new[] { pki.ClientCaBundle, pki.BrokerCertificate, pki.BrokerKey, pki.Crl })
        {
            if (SafeFileReader.KindOf(required, followLinks: true) != FileKind.Regular)
            {
                throw new FleetException(FleetError.NotFound, "missing " + required + " (run 'securedevice pki init' first)");
            }
        }

        string plugin = request.DynamicSecurityPlugin ?? FindPlugin()
            ?? throw new FleetException(FleetError.NotFound, "mosquitto's dynamic-security plugin (" + PluginFileName + ") was not found under /usr/lib or /usr/local/lib; install mosquitto 2.x or name the plugin");
        if (SafeFileReader.KindOf(plugin, followLinks: true) != FileKind.Regular)
        {
            throw new FleetException(FleetError.NotFound, "dynamic-security plugin not found: " + plugin);
        }

        if (request.RefusalInterval < 1 || request.RefusalInterval > 3600)
        {
            throw new FleetException(FleetError.InvalidArgument, "the refusal interval must be 1..3600 seconds");
        }

        string? refusalCounter = request.RefusalCounterPlugin;
        if (refusalCounter != null && SafeFileReader.KindOf(refusalCounter, followLinks: true) != FileKind.Regular)
        {
            throw new FleetException(FleetError.NotFound, "refusal counter plugin not found: " + refusalCounter + " (build it with 'make -C host/broker/refusal-counter')");
        }

        if (refusalCounter == null && SafeFileReader.KindOf(RefusalCounterDefault, followLinks: true) == FileKind.Regular)
        {
            refusalCounter = RefusalCounterDefault;
        }

        string refusalLines = refusalCounter == null
            ? "# (no refusal counter: " + RefusalCounterDefault + " was not found and none was named)"
            : "plugin " + GeneratedText.MosquittoValue(Path.GetFullPath(refusalCounter), "the refusal counter path") + "\n"
                + "plugin_opt_refusal_interval " + request.RefusalInterval.ToString(CultureInfo.InvariantCulture);

        // Only active devices get a client: a revoked one stays without rights even if the CRL were not loaded.
        var devices = new System.Collections.Generic.List<string>();
        foreach (InventoryEntry entry in Inventory.Load(pki.Inventory).Devices)
        {
            if (entry.Status == DeviceStatus.Active)
            {
                devices.Add(entry.Id);
            }
        }

        string folder = Path.GetFullPath(request.OutputFolder);
        string dynsecPath = Path.Combine(folder, DynamicSecurityFile.FileName);
        string configPath = Path.Combine(folder, ConfigFile);
        string config = Template("mosquitto.conf.template")
            .Replace("{{USER}}", GeneratedText.MosquittoValue(CurrentUser(), "the user name"), StringComparison.Ordinal)
            .Replace("{{PORT}}", request.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{BIND}}", request.Bind.ToString(), StringComparison.Ordinal)
            .Replace("{{MAX_CONNECTIONS}}", request.MaxConnections.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{REFUSAL_COUNTER}}", refusalLines, StringComparison.Ordinal)
            .Replace("{{PLUGIN}}", GeneratedText.MosquittoValue(Path.GetFullPath(plugin), "the plugin path"), StringComparison.Ordinal)
            .Replace("{{DYNSECFILE}}", GeneratedText.MosquittoValue(dynsecPath, "the dynamic-security file path"), StringComparison.Ordinal)
            .Replace("{{PERSISTENCE}}", GeneratedText.MosquittoValue(folder + Path.DirectorySeparatorChar, "the output folder"), StringComparison.Ordinal)
            .Replace("{{CAFILE}}", GeneratedText.MosquittoValue(pki.ClientCaBundle, "the PKI folder path"), StringComparison.Ordinal)
            .Replace("{{CERTFILE}}", GeneratedText.MosquittoValue(pki.BrokerCertificate, "the PKI folder path"), StringComparison.Ordinal)
            .Replace("{{KEYFILE}}", GeneratedText.MosquittoValue(pki.BrokerKey, "the PKI folder path"), StringComparison.Ordinal)
            .Replace("{{CRLFILE}}", GeneratedText.MosquittoValue(pki.Crl, "the PKI folder path"), StringComparison.Ordinal);
        AtomicFile.RefuseExisting(dynsecPath);
        AtomicFile.RefuseExisting(configPath);
        AtomicFile.EnsureFolder(folder, AtomicFile.PrivateFolderMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        // The broker rewrites this file after every change (dynamic-security.json.new, then a rename in this folder): the
        // authorisation state, readable and writable by the broker's user only.
        AtomicFile.WriteNew(dynsecPath, DynamicSecurityFile.Render(devices), AtomicFile.PrivateMode);
        AtomicFile.WriteNew(configPath, Encoding.UTF8.GetBytes(config), AtomicFile.PublicMode);
        return configPath;
    }

    /// <summary>The dynamic-security plugin in <see cref="PluginSearchFolders"/> or their direct subfolders, or null.</summary>
    public static string? FindPlugin()
    {
        foreach (string root in PluginSearchFolders)
        {
            string direct = Path.Combine(root, PluginFileName);
            if (File.Exists(direct))
            {
                return direct;
            }

            if (!Directory.Exists(root))
            {
                continue;
            }

            string[] subfolders;
            try
            {
                subfolders = Directory.GetDirectories(root);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (string sub in subfolders)
            {
                string candidate = Path.Combine(sub, PluginFileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
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
