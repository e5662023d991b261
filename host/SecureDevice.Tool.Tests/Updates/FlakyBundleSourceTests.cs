using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Core.Update;
using SecureDevice.VirtualDevice.Updates;
using Xunit;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>Fault injection: deterministic for a seed, faults only as configured, and a resuming download still completes.</summary>
public sealed class FlakyBundleSourceTests : IClassFixture<UpdateServerFixture>
{
    private readonly UpdateServerFixture _fixture;

    public FlakyBundleSourceTests(UpdateServerFixture fixture) => _fixture = fixture;

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(2026)]
    public void SameSeed_GivesTheSameRun(int seed)
    {
        Assert.Equal(Trace(seed, out int faults), Trace(seed, out int again));
        Assert.Equal(faults, again);
        Assert.True(faults > 0);
    }

    [Fact]
    public void OtherSeeds_GiveOtherRuns()
    {
        Assert.NotEqual(Trace(1, out _), Trace(2, out _));
    }

    [Fact]
    public void ZeroProbabilities_PassEverythingThrough()
    {
        var inner = new MemoryBundleSource(Bytes(10_000));
        var flaky = new FlakyBundleSource(inner, new Random(7), 0, 0);
        byte[] file = BundleDownload.WithResume(flaky, "https://x/f", 1, out int attempts);
        Assert.Equal(Bytes(10_000), file);
        Assert.Equal(1, attempts);
        Assert.Equal(0, flaky.InjectedFaults);
    }

    [Fact]
    public void CertainFaults_FailOpensOrCutBodiesAsConfigured()
    {
        var inner = new MemoryBundleSource(Bytes(10_000));
        var failing = new FlakyBundleSource(inner, new Random(7), 1, 0);
        Assert.Equal(DownloadStatus.NetworkError, failing.Open("https://x/f", 0, out long remaining));
        Assert.Equal(-1, remaining);
        Assert.Empty(inner.Opens);
        Assert.Equal(1, failing.OpenFailures);

        var cutting = new FlakyBundleSource(inner, new Random(7), 0, 1);
        Assert.Equal(DownloadStatus.Ok, cutting.Open("https://x/f", 0, out _));
        byte[] buffer = new byte[4096];
        long received = 0;
        DownloadStatus status;
        while ((status = cutting.Read(buffer, 0, buffer.Length, out int read)) == DownloadStatus.Ok && read > 0)
        {
            received += read;
        }

        Assert.Equal(DownloadStatus.NetworkError, status);
        Assert.InRange(received, 0, 9_999);
        Assert.Equal(1, cutting.BodyCuts);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void BadProbability_IsRefused(double probability)
    {
        var inner = new MemoryBundleSource(Bytes(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlakyBundleSource(inner, new Random(1), probability, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlakyBundleSource(inner, new Random(1), 0, probability));
    }

    [Fact]
    public void OverHttps_ResumingDownloadCompletesDespiteFaults()
    {
        using X509Certificate2 anchor = _fixture.Pki.TrustAnchor();
        using var https = new HttpsBundleSource(anchor, TimeSpan.FromSeconds(10));
        var flaky = new FlakyBundleSource(https, new Random(5), 0.3, 0.6);
        long ranges = _fixture.Server.RangeRequests;
        byte[] file = BundleDownload.WithResume(flaky, _fixture.PayloadUrl, 200, out int attempts);
        Assert.Equal(_fixture.Payload, file);
        Assert.True(flaky.InjectedFaults > 0);
        Assert.Equal(flaky.InjectedFaults + 1, attempts);
        Assert.True(_fixture.Server.RangeRequests > ranges, "resumed with Range requests");
    }

    /// <summary>Every call and result of a resuming download of 50 000 bytes through a flaky source seeded with <paramref name="seed"/>.</summary>
    private static List<string> Trace(int seed, out int faults)
    {
        var flaky = new FlakyBundleSource(new MemoryBundleSource(Bytes(50_000)), new Random(seed), 0.25, 0.5);
        var trace = new List<string>();
        long have = 0;
        byte[] buffer = new byte[4096];
        while (true)
        {
            DownloadStatus status = flaky.Open("https://x/f", have, out long remaining);
            trace.Add("open " + have + " " + status + " " + remaining);
            if (status != DownloadStatus.Ok)
            {
                continue;
            }

            int read;
            while ((status = flaky.Read(buffer, 0, buffer.Length, out read)) == DownloadStatus.Ok && read > 0)
            {
                have += read;
            }

            trace.Add("read " + status + " at " + have);
            if (status == DownloadStatus.Ok)
            {
                faults = flaky.InjectedFaults;
                return trace;
            }
        }
    }

    private static byte[] Bytes(int count)
    {
        byte[] bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }
}
