using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SecureDevice.Fleet.Broker;
using DeviceCommand = SecureDevice.Fleet.Response.DeviceCommand;
using ThrottleCommands = SecureDevice.Fleet.Response.ThrottleCommands;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Commands;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Monitoring;
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
        (IMqttClient inbox, Task<MqttApplicationMessage> received) = await SubscribeAsync(target, "devices/" + target.Id + "/down/#");
        using IMqttClient subscribed = inbox;
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
            MqttApplicationMessage message = await received.WaitAsync(TimeSpan.FromSeconds(5));
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

    /// <summary>
    /// The connection is cut after the PUBLISH left the service and before the broker saw it (so no PUBACK), and stays
    /// refused 1.5 s: the command is sent again once the connection is back, is Done, a device that subscribes later gets
    /// the retained command, and its expiry is what was left (at most 58 s), not the whole 60 s again. Before, the
    /// command failed (Unreachable) and nothing reached the broker.
    /// </summary>
    [Fact]
    public async Task PublishAsync_ConnectionCutBeforePuback_SentAgainOnReconnect_DoneAndRetainedWithExpiryLeft()
    {
        EnrolledDevice device = _lab.Enroll("cut", 1)[0];
        using var proxy = new CuttingProxy(_lab.Lab.Port);
        var metrics = new ServiceMetrics();
        using var stop = new CancellationTokenSource();
        await using CommandConnection connection = Connection(proxy, metrics);
        Task running = connection.RunAsync(stop.Token);
        try
        {
            await ServiceLab.WaitUntil(() => Task.FromResult(connection.Connected), TimeSpan.FromSeconds(20), "the command connection did not connect");
            var command = new DeviceCommand("devices/" + device.Id + "/down/throttle", ThrottleCommands.Throttle(6, TimeSpan.FromSeconds(60), DateTimeOffset.UtcNow), true, TimeSpan.FromSeconds(60));
            // 1.5 s: past the first reconnect attempts (so the expiry left is at most 58 s), and short enough that the backoff
            // (0.5 s doubling, full jitter) is back well within the 10 s.
            proxy.CutOnNextUpload(refuseFor: TimeSpan.FromSeconds(1.5));

            var watch = Stopwatch.StartNew();
            BrokerAccessResult result = await connection.PublishAsync(command);
            watch.Stop();
            _output.WriteLine($"{result.Status} in {watch.ElapsedMilliseconds} ms: {result.Detail}; cuts {proxy.Cuts}, refused {proxy.Refused}");
            Assert.Equal(BrokerAccessStatus.Done, result.Status);
            Assert.Equal(1, proxy.Cuts);
            Assert.Equal(1, metrics.CommandsResent.Value);

            (IMqttClient inbox, Task<MqttApplicationMessage> received) = await SubscribeAsync(device, "devices/" + device.Id + "/down/throttle", MqttProtocolVersion.V500);
            using IMqttClient subscribed = inbox;
            MqttApplicationMessage message = await received.WaitAsync(TimeSpan.FromSeconds(5));
            _output.WriteLine($"retained: {message.Retain}, expiry {message.MessageExpiryInterval} s");
            Assert.Equal(command.Payload, message.Payload.ToArray());
            Assert.True(message.Retain);
            Assert.InRange(message.MessageExpiryInterval, 1u, 58u);
        }
        finally
        {
            stop.Cancel();
            await running;
        }
    }

    /// <summary>
    /// The connection is cut before the PUBACK and does not come back within <see cref="CommandConnection.PublishTimeout"/>:
    /// Timeout at the deadline (not sooner, not later), nothing sent again and nothing retained.
    /// </summary>
    [Fact]
    public async Task PublishAsync_ConnectionCutAndNotBackWithinDeadline_Timeout()
    {
        EnrolledDevice device = _lab.Enroll("gone", 1)[0];
        using var proxy = new CuttingProxy(_lab.Lab.Port);
        var metrics = new ServiceMetrics();
        using var stop = new CancellationTokenSource();
        await using CommandConnection connection = Connection(proxy, metrics);
        Task running = connection.RunAsync(stop.Token);
        try
        {
            await ServiceLab.WaitUntil(() => Task.FromResult(connection.Connected), TimeSpan.FromSeconds(20), "the command connection did not connect");
            var command = new DeviceCommand("devices/" + device.Id + "/down/throttle", ThrottleCommands.Throttle(6, TimeSpan.FromSeconds(60), DateTimeOffset.UtcNow), true, TimeSpan.FromSeconds(60));
            proxy.CutOnNextUpload(refuseFor: TimeSpan.FromSeconds(30));

            var watch = Stopwatch.StartNew();
            BrokerAccessResult result = await connection.PublishAsync(command);
            watch.Stop();
            _output.WriteLine($"{result.Status} in {watch.ElapsedMilliseconds} ms: {result.Detail}; cuts {proxy.Cuts}, refused {proxy.Refused}");
            Assert.Equal(BrokerAccessStatus.Timeout, result.Status);
            Assert.InRange(watch.Elapsed, CommandConnection.PublishTimeout - TimeSpan.FromMilliseconds(100), CommandConnection.PublishTimeout + TimeSpan.FromSeconds(3));
            Assert.True(proxy.Refused > 0, "the connection was never tried again");
            Assert.Equal(0, metrics.CommandsResent.Value);
            Assert.Equal(1, metrics.CommandsPublished.WithLabels("timeout").Value);

            (IMqttClient inbox, Task<MqttApplicationMessage> received) = await SubscribeAsync(device, "devices/" + device.Id + "/down/throttle", MqttProtocolVersion.V500);
            using IMqttClient subscribed = inbox;
            await Task.Delay(500);
            Assert.False(received.IsCompleted, "a command reached the broker");
        }
        finally
        {
            stop.Cancel();
            await running;
        }
    }

    /// <summary>A command connection as the service makes it (the lab's command identity), through <paramref name="proxy"/>.</summary>
    private CommandConnection Connection(CuttingProxy proxy, ServiceMetrics metrics)
    {
        (_, X509Certificate2 commands, X509Certificate2 anchor) = StartupChecks.Check(_lab.Options());
        return new CommandConnection(new BrokerSession { Host = "localhost", Port = proxy.Port, Certificate = commands, TrustAnchor = anchor }, metrics, NullLogger.Instance, TimeProvider.System);
    }

    /// <summary>
    /// The device's own connection (MQTT 3.1.1 like the firmware, or <paramref name="version"/> to see a message's
    /// expiry), subscribed to <paramref name="filter"/>, and its first message (a retained one arrives at once).
    /// </summary>
    private async Task<(IMqttClient Client, Task<MqttApplicationMessage> First)> SubscribeAsync(EnrolledDevice device, string filter, MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var first = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            first.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", _lab.Lab.Port)
            .WithClientId(device.Id)
            .WithProtocolVersion(version)
            .WithCleanSession(true)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost("localhost").WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new X509Certificate2Collection(device.Certificate)).WithTrustChain(new X509Certificate2Collection(_lab.Lab.Root))
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build());
        MqttClientSubscribeResult subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        return (client, first.Task);
    }

    /// <summary>
    /// A TCP relay to the broker (TLS passes through untouched) that can cut the connection on the client's next bytes,
    /// before they reach the broker (after the CONNECT/CONNACK exchange and within the keep-alive, those are the
    /// command's PUBLISH: the broker never sees it, so no PUBACK comes), and then refuse new connections for a while.
    /// </summary>
    private sealed class CuttingProxy : IDisposable
    {
        private readonly int _target;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentBag<TcpClient> _open = new();
        private int _cutNext;
        private long _refuseForMs;
        private long _refuseUntil;
        private int _cuts;
        private int _refused;

        public CuttingProxy(int target)
        {
            _target = target;
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Cuts => Volatile.Read(ref _cuts);

        public int Refused => Volatile.Read(ref _refused);

        public void CutOnNextUpload(TimeSpan refuseFor)
        {
            Interlocked.Exchange(ref _refuseForMs, (long)refuseFor.TotalMilliseconds);
            Volatile.Write(ref _cutNext, 1);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            foreach (TcpClient client in _open)
            {
                client.Dispose();
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                if (Environment.TickCount64 < Volatile.Read(ref _refuseUntil))
                {
                    Interlocked.Increment(ref _refused);
                    inbound.Dispose();
                    continue;
                }

                var outbound = new TcpClient();
                _open.Add(inbound);
                _open.Add(outbound);
                try
                {
                    await outbound.ConnectAsync(IPAddress.Loopback, _target);
                }
                catch (SocketException)
                {
                    inbound.Dispose();
                    outbound.Dispose();
                    continue;
                }

                _ = PumpAsync(inbound, outbound, upload: true);
                _ = PumpAsync(outbound, inbound, upload: false);
            }
        }

        private async Task PumpAsync(TcpClient from, TcpClient to, bool upload)
        {
            byte[] buffer = new byte[16384];
            try
            {
                while (true)
                {
                    int read = await from.GetStream().ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    if (upload && Interlocked.Exchange(ref _cutNext, 0) == 1)
                    {
                        // The refusal counts from the cut.
                        Interlocked.Exchange(ref _refuseUntil, Environment.TickCount64 + Volatile.Read(ref _refuseForMs));
                        Interlocked.Increment(ref _cuts);
                        break;
                    }

                    await to.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
            catch (Exception error) when (error is OperationCanceledException or System.IO.IOException or ObjectDisposedException or InvalidOperationException)
            {
            }

            from.Dispose();
            to.Dispose();
        }
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
