using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.Lab.Ingest;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Updates;
using Xunit;
using static SecureDevice.WebConsole.Tests.RolloutWaveTests;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The retry classification of offers (docs/console.md, "Publishing"; <see cref="OfferDeliveries.Classify"/>) against
/// the real failure modes of a real mosquitto with its dynamic-security plugin, not a double's idea of them: what
/// <see cref="MqttCommandPublisher"/> gets back when the broker is unreachable, when it dies under a live connection,
/// when it comes back, and when it refuses the publish (an identity whose role may not publish offers: PUBACK
/// NotAuthorized, for every device's topic alike). Then the rollout worker on those answers: a dead broker, or a
/// publisher without the right, stops the pass under backoff with nothing recorded for any device, and the wave goes
/// out once the broker is back or the rights are right.
/// <para>
/// This test found the classification wrong: a PUBACK NotAuthorized was "refused for good for this device", but the
/// real broker gives it for the publisher's role, the same for every device (dynamic security grants offers for all
/// device topics at once), so a wave published by an identity that lost the right had every device recorded failed
/// and never offered again after the role was fixed. It is now retried (with the planted old rule the test fails).
/// </para>
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class OfferRetryAtTheBrokerTests : IDisposable
{
    private const string Device = "dev-retry-001";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DeviceCommand Offer = new("devices/" + Device + "/down/update", "{\"url\":\"https://x/\"}"u8.ToArray(), false, TimeSpan.FromHours(1));

    // Per test: a fresh mosquitto with dynamic security, and the console's publisher as the operator (who may offer)
    // and as the service (who may not).
    private readonly TemporaryDirectory _folder = new("offer-retry");
    private readonly IngestLab _lab;
    private readonly MqttCommandPublisher _operator, _service;

    public OfferRetryAtTheBrokerTests()
    {
        _lab = IngestLab.Create(_folder.Combine("lab"));
        _operator = Publisher(BrokerIdentity.Operator(_lab.Pki));
        _service = Publisher(BrokerIdentity.Service(_lab.Pki));
    }

    public void Dispose()
    {
        _operator.Dispose();
        _service.Dispose();
        _lab.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task RealBroker_Unreachable_Killed_Back_AndRefusingThePublisher_AreRetried_AcceptedIsDelivered()
    {
        using MqttCommandPublisher nowhere = Publisher(BrokerIdentity.Operator(_lab.Pki), ClosedPort());

        // Accepted: PUBACK success (no subscriber yet is success too).
        BrokerAccessResult accepted = await _operator.PublishAsync(Offer, None);
        Assert.Equal((BrokerAccessStatus.Done, OfferDelivery.Delivered), (accepted.Status, OfferDeliveries.Classify(accepted)));

        // Refused: the service's identity may publish nothing (its commands leave as commands.service, throttles only). mosquitto answers the QoS-1 publish with a
        // PUBACK NotAuthorized (MQTT 5), for any device's topic alike: the publisher's rights, retried (not the device's).
        BrokerAccessResult refused = await _service.PublishAsync(Offer, None);
        Assert.Equal((BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.NotAuthorized), (refused.Status, refused.PublishReason));
        BrokerAccessResult other = await _service.PublishAsync(Offer with { Topic = "devices/dev-retry-002/down/update" }, None);
        Assert.Equal(refused.PublishReason, other.PublishReason);
        Assert.Equal(OfferDelivery.Retry, OfferDeliveries.Classify(refused));

        // Unreachable: nothing listens on the port (connection refused): no PUBACK at all, retried.
        BrokerAccessResult down = await nowhere.PublishAsync(Offer, None);
        Assert.Equal((BrokerAccessStatus.Unreachable, (MqttClientPublishReasonCode?)null), (down.Status, down.PublishReason));
        Assert.Equal(OfferDelivery.Retry, OfferDeliveries.Classify(down));

        // Killed under a live connection (SIGKILL, no goodbye): the connected publisher's next offer is retried, not
        // refused; and once the broker is back the same publisher reconnects and delivers.
        _lab.Broker.Kill();
        BrokerAccessResult killed = await _operator.PublishAsync(Offer, None);
        Assert.True(killed.Status is BrokerAccessStatus.Unreachable or BrokerAccessStatus.Timeout, killed.Status + ": " + killed.Detail);
        Assert.Null(killed.PublishReason);
        Assert.Equal(OfferDelivery.Retry, OfferDeliveries.Classify(killed));
        _lab.RestartBroker();
        BrokerAccessResult back = await _operator.PublishAsync(Offer, None);
        Assert.Equal((BrokerAccessStatus.Done, OfferDelivery.Delivered), (back.Status, OfferDeliveries.Classify(back)));
    }

    [Fact]
    public async Task Worker_BrokerDownOrPublisherRefused_RetriesUnderBackoffRecordingNothing_PublishesOnceFixed()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { PublishRetryBase = TimeSpan.FromSeconds(5), PublishRetryCap = TimeSpan.FromSeconds(40) });
        UpdateOffers offers = host.App.Services.GetRequiredService<UpdateOffers>();
        host.Publisher!.Forward = _operator;

        // The broker is down when the wave is due: the pass stops at the first device, nothing is recorded for any
        // device, and the rollout is not due again before its backoff.
        _lab.Broker.Kill();
        (long rollout, _) = await OfferStagedAsync(host, "\"waves\":\"100%\"", "[5]", publish: false);
        Assert.Equal(0, await host.TickAsync());
        WaveRecord waiting = (await Waves(host).GetAsync(rollout, None))!;
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal((WaveState.Publishing, 1), (waiting.State, waiting.RetryAttempts));
        Assert.InRange(waiting.RetryAtMs - now, 5_000, 40_000);
        Assert.Matches(@"the broker: (Unreachable|Timeout) \(", waiting.Detail);
        Assert.Empty(await offers.Rollouts.DevicesAsync(rollout, None));
        Assert.Single(host.Publisher.Commands);
        Assert.Equal(0, await host.TickAsync()); // not due yet: nothing tried
        Assert.Single(host.Publisher.Commands);

        // Back: the next due pass publishes the whole wave through the real broker.
        _lab.RestartBroker();
        host.Clock.Advance(TimeSpan.FromMilliseconds(waiting.RetryAtMs - now));
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);
        IReadOnlyList<RolloutDeviceRecord> published = await offers.Rollouts.DevicesAsync(rollout, None);
        Assert.Equal(5, published.Count);
        Assert.All(published, d => Assert.Equal("published", d.Outcome));

        // Refused at the broker: the publisher's identity lost the right to offer. The pass stops at the first device
        // under backoff, nothing is recorded for any device; once the right is back the whole wave goes out.
        host.Publisher.Forward = _service;
        long at = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        RolloutRecord offered = (await offers.Rollouts.GetAsync(rollout, null, None))!;
        long second = await Waves(host).AddAsync(offered with { CreatedMs = at }, WavePlan.AllAtOnce, new[] { published.Select(d => d.DeviceId).ToArray() }, at, "console:o@127.0.0.1", None);
        int before = host.Publisher.Commands.Count;
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(before + 1, host.Publisher.Commands.Count);
        WaveRecord refused = (await Waves(host).GetAsync(second, None))!;
        Assert.Equal((WaveState.Publishing, 1), (refused.State, refused.RetryAttempts));
        Assert.Contains("the broker: NotAuthorized (the broker refused devices/", refused.Detail, StringComparison.Ordinal);
        Assert.Contains(": NotAuthorized); attempt 1, retried at ", refused.Detail, StringComparison.Ordinal);
        Assert.Empty(await offers.Rollouts.DevicesAsync(second, None));

        host.Publisher.Forward = _operator; // the right restored
        host.Clock.Advance(TimeSpan.FromMilliseconds(refused.RetryAtMs - host.Clock.GetUtcNow().ToUnixTimeMilliseconds()));
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(second, None))!.State);
        IReadOnlyList<RolloutDeviceRecord> delivered = await offers.Rollouts.DevicesAsync(second, None);
        Assert.Equal(5, delivered.Count);
        Assert.All(delivered, d => Assert.Equal("published", d.Outcome));
    }

    /// <summary>The real publisher the console uses for offers, as <paramref name="identity"/>, to the lab's broker (or to <paramref name="port"/>).</summary>
    private MqttCommandPublisher Publisher(BrokerIdentity identity, int? port = null) =>
        new(BrokerEndpoint.For(_lab.Pki, "localhost", port ?? _lab.Port), identity);

    /// <summary>A loopback port nobody listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
