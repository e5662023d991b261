using System;
using System.IO;
using System.Reflection;
using System.Text;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;

namespace SecureDevice.Tool.Pki;

/// <summary>Renders the reference mosquitto configuration (host/broker/*.template) for a PKI folder.</summary>
public static class BrokerConfig
{
    public const string ConfigFile = "mosquitto.conf";
    public const string AclFile = "acl";

    /// <summary>Writes mosquitto.conf and acl into <paramref name="folder"/> (never overwriting) and returns the config path.</summary>
    public static string Write(PkiLayout pki, string folder, int port, string bind, string topicPrefix)
    {
        if (port < 1 || port > 65535)
        {
            throw new ToolException("--port must be 1..65535");
        }

        foreach (string required in new[] { pki.ClientCaBundle, pki.BrokerCertificate, pki.BrokerKey, pki.Crl })
        {
            if (!File.Exists(required))
            {
                throw new ToolException("missing " + required + " (run 'securedevice pki init' first)");
            }
        }

        Directory.CreateDirectory(folder);
        string aclPath = Path.GetFullPath(Path.Combine(folder, AclFile));
        string configPath = Path.GetFullPath(Path.Combine(folder, ConfigFile));
        string acl = Template("acl.template").Replace("{{PREFIX}}", topicPrefix, StringComparison.Ordinal);
        string config = Template("mosquitto.conf.template")
            .Replace("{{USER}}", CurrentUser(), StringComparison.Ordinal)
            .Replace("{{PORT}}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{BIND}}", bind, StringComparison.Ordinal)
            .Replace("{{ACLFILE}}", aclPath, StringComparison.Ordinal)
            .Replace("{{CAFILE}}", pki.ClientCaBundle, StringComparison.Ordinal)
            .Replace("{{CERTFILE}}", pki.BrokerCertificate, StringComparison.Ordinal)
            .Replace("{{KEYFILE}}", pki.BrokerKey, StringComparison.Ordinal)
            .Replace("{{CRLFILE}}", pki.Crl, StringComparison.Ordinal);
        SafeFile.WriteNew(aclPath, Encoding.UTF8.GetBytes(acl), SafeFile.PublicMode);
        SafeFile.WriteNew(configPath, Encoding.UTF8.GetBytes(config), SafeFile.PublicMode);
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
