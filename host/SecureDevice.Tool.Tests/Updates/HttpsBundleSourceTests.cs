using System;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.Core.Update;
using SecureDevice.TestSupport;
using SecureDevice.Fleet.Updates;
using SecureDevice.VirtualDevice.Updates;
using Xunit;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>The virtual device's HTTPS source against the update server and against misbehaving handwritten servers.</summary>
public sealed class HttpsBundleSourceTests : IClassFixture<UpdateServerFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly UpdateServerFixture _fixture;
    private readonly X509Certificate2 _anchor;
    private readonly HttpsBundleSource _source;

    public HttpsBundleSourceTests(UpdateServerFixture fixture)
    {
        _fixture = fixture;
        _anchor = fixture.Pki.TrustAnchor();
        _source = new HttpsBundleSource(_anchor, Timeout);
    }

    public void Dispose()
    {
        _source.Dispose();
        _anchor.Dispose();
    }

    [Fact]
    public void Open_FromZero_ReadsTheWholeFile()
    {
        Assert.Equal(DownloadStatus.Ok, _source.Open(_fixture.PayloadUrl, 0, out long remaining));
        Assert.Equal(10_000, remaining);
        Assert.Equal(_fixture.Payload, BundleDownload.ReadToEnd(_source));
        Assert.Null(_source.LastFailure);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(8191)]
    [InlineData(9999)]
    public void Open_AtAnOffset_ReadsTheTail(long offset)
    {
        long ranges = _fixture.Server.RangeRequests;
        Assert.Equal(DownloadStatus.Ok, _source.Open(_fixture.PayloadUrl, offset, out long remaining));
        Assert.Equal(10_000 - offset, remaining);
        Assert.Equal(_fixture.Payload.AsSpan((int)offset).ToArray(), BundleDownload.ReadToEnd(_source));
        Assert.True(_fixture.Server.RangeRequests > ranges);
    }

    [Fact]
    public void Open_AgainWhileABodyIsOpen_ClosesTheFirst()
    {
        Assert.Equal(DownloadStatus.Ok, _source.Open(_fixture.PayloadUrl, 0, out _));
        Assert.Equal(DownloadStatus.Ok, _source.Read(new byte[10], 0, 10, out _));
        Assert.Equal(DownloadStatus.Ok, _source.Open(_fixture.PayloadUrl, 5000, out long remaining));
        Assert.Equal(5000, remaining);
        Assert.Equal(_fixture.Payload.AsSpan(5000).ToArray(), BundleDownload.ReadToEnd(_source));
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(50_000)]
    public void Open_AtOrPastTheEnd_IsRangeNotSatisfiable(long offset)
    {
        Assert.Equal(DownloadStatus.RangeNotSatisfiable, _source.Open(_fixture.PayloadUrl, offset, out long remaining));
        Assert.Equal(-1, remaining);
    }

    [Theory]
    [InlineData("no-such-file.pe")]
    [InlineData(".hidden")]
    [InlineData("sub/")]
    public void Open_MissingFile_IsNotFound(string path)
    {
        Assert.Equal(DownloadStatus.NotFound, _source.Open(_fixture.Server.BaseUrl + path, 0, out long remaining));
        Assert.Equal(-1, remaining);
    }

    [Fact]
    public void Open_ServerIgnoringRange_IsRangeIgnoredAndAFreshOpenWorks()
    {
        using X509Certificate2 certificate = _fixture.Pki.ServerWithKey();
        using var server = new HandwrittenHttpsServer(certificate, _ => HandwrittenHttpsServer.Response("200 OK", _fixture.Payload));
        Assert.Equal(DownloadStatus.RangeIgnored, _source.Open(server.BaseUrl + "Sensor.App.pe", 100, out long remaining));
        Assert.Equal(-1, remaining);
        Assert.Contains("RangeIgnored", _source.LastFailure);

        // Nothing stays open: the next Open (from 0, as the engine restarts) reads the whole file.
        Assert.Equal(DownloadStatus.Ok, _source.Open(server.BaseUrl + "Sensor.App.pe", 0, out remaining));
        Assert.Equal(10_000, remaining);
        Assert.Equal(_fixture.Payload, BundleDownload.ReadToEnd(_source));
    }

    [Fact]
    public void Open_PartialContentForOtherBytes_IsServerError()
    {
        using X509Certificate2 certificate = _fixture.Pki.ServerWithKey();
        using var server = new HandwrittenHttpsServer(certificate,
            _ => HandwrittenHttpsServer.Response("206 Partial Content", _fixture.Payload.AsSpan(0, 100).ToArray(), "Content-Range: bytes 0-99/10000\r\n"));
        Assert.Equal(DownloadStatus.ServerError, _source.Open(server.BaseUrl + "f", 500, out _));
    }

    [Theory]
    [InlineData("410 Gone", DownloadStatus.NotFound)]
    [InlineData("500 Internal Server Error", DownloadStatus.ServerError)]
    [InlineData("503 Service Unavailable", DownloadStatus.ServerError)]
    [InlineData("403 Forbidden", DownloadStatus.ServerError)]
    [InlineData("302 Found", DownloadStatus.ServerError)]
    public void Open_OtherStatuses_MapAsDocumented(string status, DownloadStatus expected)
    {
        using X509Certificate2 certificate = _fixture.Pki.ServerWithKey();
        using var server = new HandwrittenHttpsServer(certificate,
            _ => HandwrittenHttpsServer.Response(status, Encoding.ASCII.GetBytes("no"), "Location: http://127.0.0.1/plain\r\n"));
        Assert.Equal(expected, _source.Open(server.BaseUrl + "f", 0, out long remaining));
        Assert.Equal(-1, remaining);
    }

    [Fact]
    public void Open_GarbageResponse_IsServerError()
    {
        using X509Certificate2 certificate = _fixture.Pki.ServerWithKey();
        using var server = new HandwrittenHttpsServer(certificate, _ => Encoding.ASCII.GetBytes("HELLO THERE\r\n\r\n"));
        Assert.Equal(DownloadStatus.ServerError, _source.Open(server.BaseUrl + "f", 0, out _));
    }

    [Fact]
    public void Read_BodyCutShort_IsNetworkErrorAndClosed()
    {
        using X509Certificate2 certificate = _fixture.Pki.ServerWithKey();
        using var server = new HandwrittenHttpsServer(certificate,
            _ => HandwrittenHttpsServer.Response("200 OK", _fixture.Payload.AsSpan(0, 5000).ToArray(), contentLength: 10_000));
        Assert.Equal(DownloadStatus.Ok, _source.Open(server.BaseUrl + "f", 0, out long remaining));
        Assert.Equal(10_000, remaining);
        byte[] buffer = new byte[4096];
        long received = 0;
        DownloadStatus status;
        while ((status = _source.Read(buffer, 0, buffer.Length, out int read)) == DownloadStatus.Ok && read > 0)
        {
            received += read;
        }

        Assert.Equal(DownloadStatus.NetworkError, status);
        Assert.Equal(5000, received);
        Assert.Throws<InvalidOperationException>(() => _source.Read(buffer, 0, buffer.Length, out _));
    }

    [Fact]
    public void Open_ServerFromAnotherCa_IsTlsError()
    {
        using X509Certificate2 foreign = _fixture.Pki.FromOtherCa();
        using UpdateServer server = UpdateServer.Start(_fixture.Root, FreePort.Next(), foreign, "127.0.0.1");
        Assert.Equal(DownloadStatus.TlsError, _source.Open(server.BaseUrl + "Sensor.App.pe", 0, out long remaining));
        Assert.Equal(-1, remaining);
        Assert.Contains("does not chain to the pinned CA", _source.LastFailure);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public void Open_CertificateForAnotherName_IsTlsError()
    {
        using X509Certificate2 otherName = _fixture.Pki.ForOtherName("updates.example.com");
        using UpdateServer server = UpdateServer.Start(_fixture.Root, FreePort.Next(), otherName, "127.0.0.1");
        Assert.Equal(DownloadStatus.TlsError, _source.Open(server.BaseUrl + "Sensor.App.pe", 0, out _));
        Assert.Contains("host name", _source.LastFailure);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public void Open_ByHostName_MatchesTheCertificate()
    {
        // The fixture's certificate names localhost as well; the name, not just the IP address, is checked and accepted.
        string url = "https://localhost:" + _fixture.Server.Port + "/Sensor.App.pe";
        Assert.Equal(DownloadStatus.Ok, _source.Open(url, 0, out long remaining));
        Assert.Equal(10_000, remaining);
        _source.Close();
    }

    [Fact]
    public void Open_NothingListening_IsNetworkError()
    {
        Assert.Equal(DownloadStatus.NetworkError, _source.Open("https://127.0.0.1:" + FreePort.Next() + "/f", 0, out long remaining));
        Assert.Equal(-1, remaining);
    }

    [Fact]
    public void Open_ServerThatNeverAnswers_IsTimeout()
    {
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            using var source = new HttpsBundleSource(_anchor, TimeSpan.FromMilliseconds(700));
            Assert.Equal(DownloadStatus.Timeout, source.Open("https://127.0.0.1:" + ((IPEndPoint)silent.LocalEndpoint).Port + "/f", 0, out _));
        }
        finally
        {
            silent.Stop();
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1/f")]
    [InlineData("ftp://127.0.0.1/f")]
    [InlineData("/relative/f")]
    public void Open_NonHttpsUrl_IsACallerBug(string url)
    {
        Assert.Throws<ArgumentException>(() => _source.Open(url, 0, out _));
    }

    [Fact]
    public void Close_IsAlwaysSafe()
    {
        _source.Close();
        Assert.Equal(DownloadStatus.Ok, _source.Open(_fixture.PayloadUrl, 0, out _));
        _source.Close();
        _source.Close();
    }
}
