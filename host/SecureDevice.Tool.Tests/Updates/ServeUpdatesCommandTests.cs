using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using SecureDevice.TestSupport;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Broker;
using Xunit;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>
/// <c>securedevice serve-updates</c>: bad input ends with exit 2 and one line (in process); a real run is a separate
/// process that serves, logs each request and stops with exit 0 on SIGTERM.
/// </summary>
public sealed class ServeUpdatesCommandTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new("serve-updates");
    private readonly UpdateTestPki _pki;

    public ServeUpdatesCommandTests()
    {
        _pki = new UpdateTestPki(_folder.Path);
        Directory.CreateDirectory(Bundle);
        File.WriteAllBytes(Path.Combine(Bundle, "Sensor.App.pe"), Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray());
    }

    private string Bundle => _folder.Combine("bundle");

    public void Dispose()
    {
        _pki.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void MissingFolder_Exit2()
    {
        AssertUsageError(Serve(_folder.Combine("no-such-bundle"), FreePort.Next()), "bundle folder not found");
    }

    [Fact]
    public void MissingCertificate_Exit2()
    {
        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", _folder.Combine("nope.pem"), "--key", _pki.ServerKeyPath), "certificate not found");
    }

    [Fact]
    public void KeyThatIsNotPem_Exit2()
    {
        string key = _folder.Combine("key.der");
        File.WriteAllBytes(key, _pki.Server.Key.ExportPkcs8PrivateKey());
        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", _pki.ServerCertificatePath, "--key", key), "is not a PEM private key");
    }

    [Fact]
    public void CertificateFileGivenAsKey_Exit2()
    {
        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", _pki.ServerCertificatePath, "--key", _pki.ServerCertificatePath),
            "is not a PEM private key");
    }

    [Fact]
    public void EncryptedKey_Exit2()
    {
        string key = _folder.Combine("encrypted.key.pem");
        File.WriteAllText(key, _pki.Server.Key.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", _pki.ServerCertificatePath, "--key", key), "is encrypted");
    }

    [Fact]
    public void KeyOfAnotherCertificate_Exit2()
    {
        string key = _folder.Combine("other.key.pem");
        using (ECDsa other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(key, other.ExportPkcs8PrivateKeyPem());
        }

        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", _pki.ServerCertificatePath, "--key", key), "does not match");
    }

    [Fact]
    public void CaCertificate_Exit2()
    {
        string certificate = _folder.Combine("ca-as-server.pem");
        string key = _folder.Combine("ca-as-server.key.pem");
        File.WriteAllText(certificate, _pki.Ca.CertificatePem);
        File.WriteAllText(key, _pki.Ca.KeyPem);
        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", certificate, "--key", key), "is a CA certificate");
    }

    [Fact]
    public void ExpiredCertificate_Exit2()
    {
        ToolResult result = ToolRun.RunAt(DateTimeOffset.UtcNow.AddYears(3),
            "serve-updates", Bundle, "--port", Port(), "--cert", _pki.ServerCertificatePath, "--key", _pki.ServerKeyPath);
        AssertUsageError(result, "is not valid now");
    }

    [Fact]
    public void PortInUse_Exit2()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            AssertUsageError(Serve(Bundle, ((IPEndPoint)listener.LocalEndpoint).Port), "cannot listen on 127.0.0.1:");
        }
        finally
        {
            listener.Stop();
        }
    }

    [Theory]
    [InlineData("--port", "0")]
    [InlineData("--port", "70000")]
    [InlineData("--port", "http")]
    [InlineData("--bind", "example.com")]
    public void BadPortOrAddress_Exit2(string option, string value)
    {
        var args = new List<string> { "serve-updates", Bundle, "--cert", _pki.ServerCertificatePath, "--key", _pki.ServerKeyPath };
        args.AddRange(option == "--port" ? new[] { "--port", value } : new[] { "--port", Port(), "--bind", value });
        AssertUsageError(ToolRun.Run(args.ToArray()), option);
    }

    [Fact]
    public void MissingRequiredOption_Exit2()
    {
        AssertUsageError(ToolRun.Run("serve-updates", Bundle, "--port", Port(), "--cert", _pki.ServerCertificatePath), "--key");
    }

    [Fact]
    public void Process_ServesLogsEachRequestAndStopsOnSigterm()
    {
        int port = FreePort.Next();
        string[] lines;
        using (LiveTool server = LiveTool.Start("serve-updates", Bundle, "--port", port.ToString(CultureInfo.InvariantCulture), "--cert", _pki.ServerCertificatePath, "--key", _pki.ServerKeyPath))
        {
            Assert.True(server.WaitFor(line => line.StartsWith("serving ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), server.Describe());
            Assert.Equal("serving " + Path.GetFullPath(Bundle) + " at https://127.0.0.1:" + port + "/", server.Output[0]);

            CurlResponse range = Curl.Request(_pki.CaPath, "https://127.0.0.1:" + port + "/Sensor.App.pe", "-r", "100-199");
            Assert.Equal(206, range.Status);
            Assert.Equal(Enumerable.Range(100, 100).Select(i => (byte)i).ToArray(), range.Body);
            Assert.Equal(404, Curl.Request(_pki.CaPath, "https://127.0.0.1:" + port + "/../secret", "--path-as-is").Status);
            Assert.True(server.WaitFor(line => line.EndsWith(" 404 0", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), server.Describe());

            int? exit = server.Stop("TERM", TimeSpan.FromSeconds(15));
            Assert.True(exit == 0, "exit " + exit + " after SIGTERM\n" + server.Describe());
            lines = server.Output;
            Assert.Empty(server.Error);
        }

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 GET /Sensor\.App\.pe range=bytes=100-199 206 100$", lines[1]);
        Assert.Matches(@"^\S+ 127\.0\.0\.1 GET /\.\./secret range=- 404 0$", lines[2]);
        Assert.Equal("stopped: 2 requests, 100 bytes sent, 1 range requests, 1 not found", lines[^1]);
        Assert.Equal(4, lines.Length);
        string everything = string.Join("\n", lines);
        Assert.DoesNotContain("PRIVATE KEY", everything);
        Assert.DoesNotContain("server.key.pem", everything);
    }

    private string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);

    private ToolResult Serve(string folder, int port) =>
        ToolRun.Run("serve-updates", folder, "--port", port.ToString(CultureInfo.InvariantCulture), "--cert", _pki.ServerCertificatePath, "--key", _pki.ServerKeyPath);

    private static void AssertUsageError(ToolResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain(" at ", result.Error.Replace(" at https://", string.Empty));
        Assert.DoesNotContain("PRIVATE KEY", result.Error + result.Output);
        Assert.Empty(result.Output);
    }
}
