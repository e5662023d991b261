using System;
using System.Diagnostics;
using System.Linq;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Tests.EndToEnd;
using SecureDevice.Service.Tests.Ingest;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.Commands;

/// <summary>
/// Device commands leave on the command identity's own connection (docs/service.md, "Command connection"): when ingest
/// falls behind and the delivery gate stops reading ingest's connection, a throttle is still acknowledged at once. On the
/// one shared connection of before, its PUBACK waited behind the unread reports and the throttle was audited as a 10 s
/// timeout, exactly when a flood made it matter.
/// </summary>
public sealed class CommandConnectionTests : IDisposable
{
    private readonly ServiceLab _lab = new();
    private readonly ITestOutputHelper _output;

    public CommandConnectionTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task Throttle_IngestBudgetFullAndGateClosed_AcknowledgedPromptly_ReachesTheDevice()
    {
        const int deliveryWindow = 32;
        const int flooders = 4;
        const int reportsEach = 500;
        using var blocker = new BlockingObserver();
        var counter = new PacketCounter();
        using var integration = new FleetIntegration(new IntegrationOptions());
        ServiceExtensions wired = integration.Extensions;
        var extensions = new ServiceExtensions
        {
            Observers = wired.Observers.Prepend(blocker).ToArray(),
            Response = wired.Response,
            Attachments = wired.Attachments.Append(counter).ToArray(),
            WrapStore = wired.WrapStore,
            Time = wired.Time,
        };
        // 4,096 reports unacknowledged (Receive Maximum) are more than the 1 MiB budget holds: the gate closes on a correct
        // broker too. The keep-alive (30 s) outlasts the test, so ingest's connection stays up, unread.
        ServiceOptions options = _lab.Options() with
        {
            DeliveryWindow = deliveryWindow,
            Ingest = new IngestOptions { QueueBytes = 1 << 20, Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 } },
        };
        var enrolled = _lab.Enroll("flood", flooders + 1);
        EnrolledDevice target = enrolled[^1];
        await using RunningService service = await _lab.StartAsync(options, extensions);
        using IMqttClient inbox = await SubscribeAsync(target, "devices/" + target.Id + "/down/#");
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        DevicePublisher[] publishers = await _lab.ConnectAsync(enrolled.Take(flooders));
        try
        {
            await Task.WhenAll(publishers.Select(async p =>
            {
                for (int seq = 1; seq <= reportsEach; seq++)
                {
                    await p.PublishHealthAsync(1, seq, CancellationToken.None);
                }
            }));
            Assert.True(blocker.Entered.Wait(TimeSpan.FromSeconds(30)), "the first batch never reached the observer");
            // The gate is closed: MQTTnet holds its whole window of reports that ingest cannot take, and reads no further.
            await ServiceLab.WaitUntil(() => Task.FromResult(counter.PeakOutsideBudget >= deliveryWindow), TimeSpan.FromSeconds(30), "the delivery gate did not close");
            Assert.True(service.Service.Mqtt.Connected, "ingest's connection stays up while the gate is closed");

            var watch = Stopwatch.StartNew();
            ActionOutcome throttled = await service.Service.Actions.ExecuteAsync(new DeviceActionRequest(target.Id, DeviceActionKind.Throttle, "alice", "flooding"), CancellationToken.None);
            watch.Stop();
            _output.WriteLine($"throttle: {throttled.Done} in {watch.ElapsedMilliseconds} ms: {throttled.Detail}");
            Assert.True(throttled.Done, throttled.Detail);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the throttle took {watch.ElapsedMilliseconds} ms");
            MqttApplicationMessage message = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal("devices/" + target.Id + "/down/throttle", message.Topic);
            Assert.True(counter.PeakOutsideBudget <= deliveryWindow + 1, "the gate stayed closed");
        }
        finally
        {
            blocker.Release();
            foreach (DevicePublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
    }

    /// <summary>The device's own connection (MQTT 3.1.1 like the firmware), subscribed to <paramref name="filter"/>.</summary>
    private async Task<IMqttClient> SubscribeAsync(EnrolledDevice device, string filter)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", _lab.Lab.Port)
            .WithClientId(device.Id)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost("localhost").WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new X509Certificate2Collection(device.Certificate)).WithTrustChain(new X509Certificate2Collection(_lab.Lab.Root))
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build());
        MqttClientSubscribeResult subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        return client;
    }

    private sealed class BlockingObserver : IIngestObserver, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();

        public ManualResetEventSlim Entered { get; } = new();

        public void OnCommitted(CommittedBatch batch)
        {
            Entered.Set();
            _release.Wait(TimeSpan.FromSeconds(60));
        }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            _release.Dispose();
            Entered.Dispose();
        }
    }
}
