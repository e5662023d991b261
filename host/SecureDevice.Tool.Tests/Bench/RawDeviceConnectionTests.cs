using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using Xunit;

namespace SecureDevice.Tool.Tests.Bench;

/// <summary>The raw bench client against the real broker (mosquitto with the reference configuration): trust and a run.</summary>
public sealed class RawDeviceConnectionTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("securedevice-rawclient-");
    private readonly IngestLab _lab;
    private IReadOnlyList<EnrolledDevice> _devices = Array.Empty<EnrolledDevice>();

    public RawDeviceConnectionTests()
    {
        _lab = IngestLab.Create(Path.Combine(_folder.FullName, "lab"), pki => _devices = DeviceEnrollment.Enroll(pki, new[] { "raw-1" }, _ => null, DateTimeOffset.UtcNow), null);
    }

    [Fact]
    public async Task ConnectAsync_BrokerNotUnderTheGivenRoot_HandshakeRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Some Other Root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 otherRoot = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        await Assert.ThrowsAsync<AuthenticationException>(() => RawDeviceConnection.ConnectAsync(_devices[0], "localhost", _lab.Port, otherRoot, CancellationToken.None));
    }

    [Fact]
    public async Task Run_TwoRunsOnOneConnection_EveryPublishAcknowledgedInOrder()
    {
        await using RawDeviceConnection connection = await RawDeviceConnection.ConnectAsync(_devices[0], "localhost", _lab.Port, _lab.Root, CancellationToken.None);
        foreach (int reports in new[] { 300, 40 })
        {
            LoadGenerator generator = LoadGenerator.Prepare(new[] { connection }, reports, 1, window: 7);
            long[] published = new long[reports];
            await generator.RunAsync(0, published, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal((reports, (long)reports), (connection.Sent, connection.Acknowledged));
            Assert.DoesNotContain(0, published);
            Assert.Null(connection.Fault);
        }
    }

    public void Dispose()
    {
        _lab.Dispose();
        _folder.Delete(recursive: true);
    }
}
