using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using SecureDevice.Core.FloodGuard;
using SecureDevice.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Tool.Tests;

/// <summary>
/// 200 virtual devices against the real broker: they connect and stay connected; the broker is killed for 30 s and
/// restarted; all of them come back through the backoff policy, and the CONNECT rate the broker sees stays spread out.
/// </summary>
[Collection("broker")]
public sealed class FleetEndToEndTests : IDisposable
{
    private const int Devices = 200;
    private readonly BrokerFixture _broker = new();
    private readonly ITestOutputHelper _output;

    public FleetEndToEndTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void Fleet_ConnectsStaysConnectedAndReturnsEvenlyAfterABrokerOutage()
    {
        var identities = new List<DeviceIdentity>();
        for (int i = 0; i < Devices; i++)
        {
            identities.Add(_broker.Identity("vdev-" + i.ToString("D3", CultureInfo.InvariantCulture)));
        }

        // Production defaults, except that a connection counts as stable after 10 s instead of 5 min, so the test
        // exercises the fast reconnect phase without waiting five minutes.
        using var fleet = new SecureDevice.VirtualDevice.Fleet(identities, new BackoffConfig { StableAfterMs = 10_000 });
        DateTime started = DateTime.UtcNow;
        fleet.StartAll();
        Assert.True(fleet.WaitConnected(Devices, TimeSpan.FromSeconds(90)), "only " + fleet.ConnectedCount + " connected");
        _output.WriteLine("all " + Devices + " connected after " + (DateTime.UtcNow - started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s (first attempts spread over the 30 s boot window)");
        Thread.Sleep(12_000);
        Assert.Equal(Devices, fleet.ConnectedCount);
        Assert.All(fleet.Devices, d => Assert.True(d.Agent.Connection.Policy.Stable, d.Id + " not stable"));

        _broker.Broker.Kill();
        Assert.True(WaitUntil(() => fleet.ConnectedCount == 0, TimeSpan.FromSeconds(10)), fleet.ConnectedCount + " still think they are connected");
        Thread.Sleep(30_000);
        int probes = fleet.Devices.Sum(d => d.Agent.Connection.Counters.FailedNetwork);
        DateTime restarted = DateTime.UtcNow;
        var broker = _broker.Restart();
        Assert.True(fleet.WaitConnected(Devices, TimeSpan.FromSeconds(120)), "only " + fleet.ConnectedCount + " back");
        double recovery = (DateTime.UtcNow - restarted).TotalSeconds;

        // Per-second CONNECTs as the broker logged them ("<time>: New client connected from ... as <id> ...").
        var perSecond = Regex.Matches(broker.Log, @"^(\S+): New client connected from", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).Select(g => g.Count()).ToList();
        int connects = perSecond.Sum();
        int peak = perSecond.Max();
        _output.WriteLine(FormattableString.Invariant(
            $"outage 30 s: {probes} refused probes during the outage; after restart {connects} CONNECTs over {perSecond.Count} s, peak {peak}/s, all back in {recovery:0.0} s"));
        Assert.Equal(Devices, connects);
        Assert.True(peak <= Devices / 4, "CONNECT burst of " + peak + "/s");
        Assert.True(perSecond.Count >= 10, "reconnects spread over only " + perSecond.Count + " s");
    }

    private static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(100);
        }

        return true;
    }
}
