using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>pki init, provision, revoke and broker config, checked with OpenSSL as the independent reader.</summary>
public sealed class PkiCommandTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new("pki");

    public PkiCommandTests()
    {
        ToolRun.Ok("pki", "init", "--out", Pki, "--broker-name", "broker.example.com", "--broker-name", "localhost", "--broker-ip", "127.0.0.1");
    }

    private string Pki => _folder.Combine("pki");

    private string P(string name) => Path.Combine(Pki, name);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void PkiInit_HierarchyVerifiesWithOpenSslAndKeysArePrivate()
    {
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), P("device-ca.pem")).EnsureSuccess("device-ca chains to root");
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), "-purpose", "sslserver", P("broker.pem")).EnsureSuccess("broker is a server certificate");
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), "-untrusted", P("device-ca.pem"), "-purpose", "sslclient", P("service.pem")).EnsureSuccess("service is a client certificate");
        string deviceCa = ExternalProcess.OpenSsl("x509", "-in", P("device-ca.pem"), "-noout", "-text").Output;
        Assert.Contains("CA:TRUE, pathlen:0", deviceCa);
        Assert.Contains("Certificate Sign, CRL Sign", deviceCa);
        string broker = ExternalProcess.OpenSsl("x509", "-in", P("broker.pem"), "-noout", "-text").Output;
        Assert.Contains("DNS:broker.example.com, DNS:localhost, IP Address:127.0.0.1", broker);
        Assert.Contains("TLS Web Server Authentication", broker);
        Assert.Contains("ASN1 OID: prime256v1", broker);
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), "-untrusted", P("device-ca.pem"), "-purpose", "sslclient", P("operator.pem")).EnsureSuccess("operator is a client certificate");
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), "-untrusted", P("device-ca.pem"), "-purpose", "sslclient", P("broker-admin.pem")).EnsureSuccess("broker-admin is a client certificate");
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), "-untrusted", P("device-ca.pem"), "-purpose", "sslclient", P("commands.service.pem")).EnsureSuccess("commands.service is a client certificate");
        Assert.Contains("CN=commands.service", ExternalProcess.OpenSsl("x509", "-in", P("commands.service.pem"), "-noout", "-subject").Output.Replace(" ", string.Empty));
        Assert.Contains("CN=broker-admin", ExternalProcess.OpenSsl("x509", "-in", P("broker-admin.pem"), "-noout", "-subject").Output.Replace(" ", string.Empty));
        foreach (string key in new[] { "root-ca.key.pem", "device-ca.key.pem", "broker.key.pem", "service.key.pem", "commands.service.key.pem", "operator.key.pem", "broker-admin.key.pem" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P(key)));
        }

        // The folder itself is the owner's only (the service refuses a PKI folder open to others).
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(P("root-ca.pem"))!));
        ExternalProcess.OpenSsl("crl", "-in", P("crl.pem"), "-noout", "-CAfile", P("device-ca.pem")).EnsureSuccess("CRL signed by the device CA");
    }

    [Fact]
    public void PkiInit_RefusesANonEmptyFolder()
    {
        byte[] before = File.ReadAllBytes(P("root-ca.key.pem"));
        ToolResult again = ToolRun.Run("pki", "init", "--out", Pki);
        Assert.Equal(2, again.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(P("root-ca.key.pem")));
    }

    [Fact]
    public void Provision_WritesNanoffFilesAndInventoryWithoutSecrets()
    {
        string devices = _folder.Combine("devices");
        Environment.SetEnvironmentVariable("SECUREDEVICE_WIFI_PASSWORD", "test-wifi-secret");
        try
        {
            ToolRun.Ok("provision", "dev-001", "--pki", Pki, "--out", devices, "--wifi-ssid", "Lab", "--broker-host", "broker.example.com", "--serial-port", "COM5");
        }
        finally
        {
            Environment.SetEnvironmentVariable("SECUREDEVICE_WIFI_PASSWORD", null);
        }

        string cert = Path.Combine(devices, "dev-001.pem");
        string key = Path.Combine(devices, "dev-001.key.pem");
        string network = Path.Combine(devices, "dev-001.network.json");
        ExternalProcess.OpenSsl("verify", "-CAfile", P("root-ca.pem"), "-untrusted", P("device-ca.pem"), "-purpose", "sslclient", cert).EnsureSuccess("device certificate");
        Assert.Contains("subject=O = SecureDevice, CN = dev-001", ExternalProcess.OpenSsl("x509", "-in", cert, "-noout", "-subject").Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(network));

        using JsonDocument deployment = JsonDocument.Parse(File.ReadAllText(network));
        JsonElement root = deployment.RootElement;
        Assert.Equal("COM5", root.GetProperty("SerialPort").GetString());
        Assert.Equal("Lab", root.GetProperty("WirelessClient").GetProperty("Ssid").GetString());
        Assert.Equal("test-wifi-secret", root.GetProperty("WirelessClient").GetProperty("Password").GetString());
        byte[] deviceBlob = Convert.FromBase64String(root.GetProperty("DeviceCertificates").GetString()!);
        Assert.Equal(0, deviceBlob[^1]);
        string blob = Encoding.ASCII.GetString(deviceBlob, 0, deviceBlob.Length - 1);
        Assert.Equal(File.ReadAllText(cert) + File.ReadAllText(key), blob);
        byte[] caBlob = Convert.FromBase64String(root.GetProperty("CACertificates").GetString()!);
        Assert.Equal(File.ReadAllText(P("root-ca.pem")), Encoding.ASCII.GetString(caBlob, 0, caBlob.Length - 1));

        using JsonDocument files = JsonDocument.Parse(File.ReadAllText(Path.Combine(devices, "dev-001.files.json")));
        JsonElement file = files.RootElement.GetProperty("Files")[0];
        Assert.Equal("I:\\securedevice\\config.json", file.GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.GetFullPath(Path.Combine(devices, "dev-001.config.json")), file.GetProperty("SourceFilePath").GetString());
        Assert.Contains("\"host\": \"broker.example.com\"", File.ReadAllText(Path.Combine(devices, "dev-001.config.json")));
        JsonElement ca = files.RootElement.GetProperty("Files")[1];
        Assert.Equal("I:\\securedevice\\ca.pem", ca.GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.GetFullPath(P("root-ca.pem")), ca.GetProperty("SourceFilePath").GetString());
        Assert.Equal(2, files.RootElement.GetProperty("Files").GetArrayLength());

        string inventory = File.ReadAllText(P("inventory.json"));
        Assert.DoesNotContain("test-wifi-secret", inventory);
        Assert.DoesNotContain("PRIVATE KEY", inventory);
        string fingerprint = ExternalProcess.OpenSsl("x509", "-in", cert, "-noout", "-fingerprint", "-sha256").Output.Split('=')[1].Trim().Replace(":", string.Empty).ToLowerInvariant();
        Assert.Contains("\"sha256\": \"" + fingerprint + "\"", inventory);
        Assert.Contains("\"status\": \"active\"", inventory);
    }

    [Theory]
    [InlineData("dev/1")]
    [InlineData("dev+")]
    [InlineData("dev#")]
    [InlineData("")]
    [InlineData("service")]
    [InlineData("operator")]
    [InlineData("broker-admin")]
    [InlineData("Broker-Admin")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Provision_InvalidOrReservedIds_AreRefused(string id)
    {
        ToolResult result = ToolRun.Run("provision", id, "--pki", Pki, "--out", _folder.Combine("devices"));
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(_folder.Combine("devices")) && Directory.EnumerateFiles(_folder.Combine("devices")).Any());
    }

    [Fact]
    public void Provision_WithFactoryBundle_DeploysItIntoSlotA()
    {
        using var signing = new SigningFixture();
        string bundle = signing.Sign("factory", "1.0.0", "1");
        string devices = _folder.Combine("devices-app");
        ToolRun.Ok("provision", "dev-app", "--pki", Pki, "--out", devices, "--app", bundle);
        using JsonDocument files = JsonDocument.Parse(File.ReadAllText(Path.Combine(devices, "dev-app.files.json")));
        var deployed = new System.Collections.Generic.Dictionary<string, string>();
        foreach (JsonElement file in files.RootElement.GetProperty("Files").EnumerateArray())
        {
            deployed[file.GetProperty("DestinationFilePath").GetString()!] = file.GetProperty("SourceFilePath").GetString()!;
        }

        foreach (string name in new[] { "manifest.json", "manifest.sig", "signer.delegation", "Sensor.App.pe", "Sensor.Lib.pe" })
        {
            Assert.Equal(Path.GetFullPath(Path.Combine(bundle, name)), deployed["I:\\securedevice\\app\\a\\" + name]);
        }
    }

    [Fact]
    public void Provision_WithTamperedFactoryBundle_RefusedAndNothingWritten()
    {
        using var signing = new SigningFixture();
        string bundle = signing.Sign("factory", "1.0.0", "1");
        byte[] app = File.ReadAllBytes(Path.Combine(bundle, "Sensor.App.pe"));
        app[7] ^= 1;
        File.WriteAllBytes(Path.Combine(bundle, "Sensor.App.pe"), app);
        string devices = _folder.Combine("devices-bad");
        ToolResult result = ToolRun.Run("provision", "dev-bad", "--pki", Pki, "--out", devices, "--app", bundle);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not match its manifest entry", result.Error);
        Assert.False(File.Exists(Path.Combine(devices, "dev-bad.pem")));
        Assert.DoesNotContain("dev-bad", File.ReadAllText(P("inventory.json")));
    }

    [Fact]
    public void Provision_DuplicateId_IsRefusedEvenInAnotherFolder()
    {
        ToolRun.Ok("provision", "dev-9", "--pki", Pki, "--out", _folder.Combine("a"));
        ToolResult again = ToolRun.Run("provision", "dev-9", "--pki", Pki, "--out", _folder.Combine("b"));
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already in the inventory", again.Error);
        Assert.False(Directory.Exists(_folder.Combine("b")) && Directory.EnumerateFiles(_folder.Combine("b")).Any());
    }

    [Fact]
    public void Provision_WifiWithoutPasswordSource_FailsWithoutWritingAnything()
    {
        Environment.SetEnvironmentVariable("SECUREDEVICE_WIFI_PASSWORD", null);
        ToolResult result = ToolRun.Run("provision", "dev-w", "--pki", Pki, "--out", _folder.Combine("w"), "--wifi-ssid", "Lab");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("SECUREDEVICE_WIFI_PASSWORD", result.Error);
        Assert.DoesNotContain("dev-w", File.ReadAllText(P("inventory.json")));
    }

    [Fact]
    public void Revoke_PutsTheSerialOnANewCrlAndIsIdempotent()
    {
        ToolRun.Ok("provision", "dev-r", "--pki", Pki, "--out", _folder.Combine("devices"));
        string serial = ExternalProcess.OpenSsl("x509", "-in", _folder.Combine("devices", "dev-r.pem"), "-noout", "-serial").Output.Split('=')[1].Trim();
        ToolRun.Ok("revoke", "dev-r", "--pki", Pki);
        string crl = ExternalProcess.OpenSsl("crl", "-in", P("crl.pem"), "-noout", "-text").EnsureSuccess("crl").Output;
        Assert.Contains("Serial Number: " + serial, crl);
        Assert.Contains("X509v3 CRL Number: \n                2", crl.Replace("\r", string.Empty));
        Assert.Contains("\"status\": \"revoked\"", File.ReadAllText(P("inventory.json")));
        Assert.Contains("already revoked", ToolRun.Ok("revoke", "dev-r", "--pki", Pki).Output);
        Assert.Equal(2, ToolRun.Run("revoke", "no-such-device", "--pki", Pki).ExitCode);
        Assert.Empty(Directory.GetFiles(Pki, "*.tmp"));
    }

    [Fact]
    public void BrokerConfig_RendersAbsolutePathsAndNeverOverwrites()
    {
        string broker = _folder.Combine("broker");
        ToolRun.Ok("broker", "config", "--pki", Pki, "--out", broker, "--port", "18883");
        string config = File.ReadAllText(Path.Combine(broker, "mosquitto.conf"));
        Assert.Contains("listener 18883 127.0.0.1", config);
        Assert.Contains("crlfile " + Path.GetFullPath(P("crl.pem")), config);
        Assert.Contains("require_certificate true", config);
        Assert.Contains("use_identity_as_username true", config);
        Assert.DoesNotContain("{{", config);
        Assert.DoesNotContain("acl_file", config);
        Assert.Contains("plugin /", config);
        Assert.Contains("plugin_opt_config_file " + Path.Combine(broker, "dynamic-security.json"), config);

        // The rights as the plugin reads them (python's json module, not ours): the fixed identities and no device yet.
        string dynsec = Path.Combine(broker, "dynamic-security.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dynsec));
        string summary = ExternalProcess.Run("/usr/bin/python3", new[] { "-c", "import json,sys; d=json.load(open(sys.argv[1])); "
            + "print(sorted(c['username'] for c in d['clients'])); print(d['defaultACLAccess']); "
            + "print([(a['acltype'],a['topic'],a['allow']) for r in d['roles'] if r['rolename']=='quarantined' for a in r['acls']])", dynsec }).EnsureSuccess("python3 reads dynamic-security.json").Output;
        Assert.Contains("['broker-admin', 'commands.service', 'operator', 'service']", summary);
        Assert.Contains("{'publishClientSend': False, 'publishClientReceive': False, 'subscribe': True, 'unsubscribe': True}", summary);
        Assert.Contains("[('publishClientSend', '#', False), ('publishClientReceive', '#', False)]", summary);
        Assert.Equal(2, ToolRun.Run("broker", "config", "--pki", Pki, "--out", broker).ExitCode);
        Assert.Equal(2, ToolRun.Run("broker", "config", "--pki", Pki, "--out", _folder.Combine("broker2"), "--dynsec-plugin", _folder.Combine("no-such-plugin.so")).ExitCode);
    }

    [Fact]
    public void BrokerConfig_RefusalCounter_LoadedBeforeDynamicSecurity_TheServiceReadsItsReports_AMissingOneIsOneLine()
    {
        string counter = _folder.Combine("counter.so");
        File.WriteAllText(counter, "stands for the plugin: only rendered here");
        string broker = _folder.Combine("broker");
        ToolRun.Ok("broker", "config", "--pki", Pki, "--out", broker, "--refusal-plugin", counter, "--refusal-interval", "5");
        string config = File.ReadAllText(Path.Combine(broker, "mosquitto.conf"));
        int counterAt = config.IndexOf("plugin " + Path.GetFullPath(counter) + "\nplugin_opt_refusal_interval 5\n", StringComparison.Ordinal);
        int dynsecAt = config.IndexOf("\nplugin_opt_config_file ", StringComparison.Ordinal);
        Assert.True(counterAt > 0 && counterAt < dynsecAt, "the counter's plugin line comes first");
        Assert.Contains("per_listener_settings false", config);

        // The service's role reads the reports (python's json module reads the rendered rights).
        string rights = ExternalProcess.Run("/usr/bin/python3", new[] { "-c", "import json,sys; d=json.load(open(sys.argv[1])); "
            + "print([(a['acltype'],a['topic'],a['allow']) for r in d['roles'] if r['rolename']=='service' for a in r['acls']])", Path.Combine(broker, "dynamic-security.json") })
            .EnsureSuccess("python3 reads dynamic-security.json").Output;
        Assert.Contains("('publishClientReceive', '$SYS/broker/securedevice/refused/+', True)", rights);

        ToolResult missing = ToolRun.Run("broker", "config", "--pki", Pki, "--out", _folder.Combine("broker2"), "--refusal-plugin", _folder.Combine("no-such.so"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("refusal counter plugin not found: " + _folder.Combine("no-such.so"), missing.Error);
        Assert.Single(missing.Error.Trim().Split('\n'));
        Assert.Equal(2, ToolRun.Run("broker", "config", "--pki", Pki, "--out", _folder.Combine("broker3"), "--refusal-plugin", counter, "--refusal-interval", "0").ExitCode);
        if (!File.Exists(SecureDevice.Fleet.Broker.BrokerConfig.RefusalCounterDefault))
        {
            ToolRun.Ok("broker", "config", "--pki", Pki, "--out", _folder.Combine("broker4"));
            Assert.Contains("# (no refusal counter: ", File.ReadAllText(Path.Combine(_folder.Combine("broker4"), "mosquitto.conf")));
        }
    }

    [Theory]
    [InlineData("simulate", "--pki", "x", "--broker", "nohostport")]
    [InlineData("simulate", "--pki", "x", "--broker", "localhost:99999")]
    [InlineData("simulate", "--pki", "x", "--broker", "localhost:8883", "--time-scale", "0")]
    [InlineData("simulate", "--pki", "x", "--broker", "localhost:8883", "--time-scale", "3601")]
    [InlineData("simulate", "--pki", "x", "--broker", "localhost:8883", "--time-scale", "2x")]
    [InlineData("provision", "dev-1", "--pki", "/no/such/pki", "--out", "/tmp")]
    public void BadArguments_OneLineExit2(params string[] args)
    {
        ToolResult result = ToolRun.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }
}
