using System;
using System.Buffers;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Exceptions;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Monitoring;

namespace SecureDevice.Service.Ingest;

/// <summary>Where and as whom ingest connects (docs/service.md, "Broker session").</summary>
public sealed record BrokerSession
{
    /// <summary>The broker's name as its certificate carries it (checked against the PKI's root CA only).</summary>
    public required string Host { get; init; }

    public required int Port { get; init; }

    /// <summary>The service identity's certificate with its private key; its CN is the client id (the broker forces it).</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The PKI's root CA: the only anchor the broker's certificate may chain to.</summary>
    public required X509Certificate2 TrustAnchor { get; init; }

    /// <summary>How long the broker keeps the session and queues for it while the service is away.</summary>
    public uint SessionExpirySeconds { get; init; } = 86_400;

    /// <summary>QoS 1 messages the broker may have in flight to the service unacknowledged (MQTT 5 Receive Maximum).</summary>
    public ushort ReceiveMaximum { get; init; } = 4096;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The socket's receive and send buffer, bytes (SO_RCVBUF/SO_SNDBUF; Linux doubles it and caps it at
    /// net.core.rmem_max/wmem_max). MQTTnet always sets both, to 8,192 unless told: a 16 KiB receive buffer that
    /// also turns off the kernel's autotuning. Once the pipeline's queue pushed back, the kernel pruned that buffer
    /// and clamped the window to ~7 KB, and the broker then delivered ~230 reports/s to an idle service for good
    /// (docs/scale.md, fourth round). 1 MiB holds the broker's Receive Maximum of reports.
    /// </summary>
    public int SocketBufferBytes { get; init; } = 1 << 20;

    /// <summary>
    /// PUBLISH packets MQTTnet may have read from the socket and not yet handed to ingest's callback, at most
    /// (<see cref="DeliveryGate"/>): once the callback waits (the ingest byte budget full), reading stops after this
    /// many, whatever the broker sends. 256 health reports are ~0.1 MB; range 1..65,535.
    /// </summary>
    public int DeliveryWindow { get; init; } = 256;

    /// <summary>
    /// The Maximum Packet Size the service announces in its CONNECT (MQTT 5, 3.1.2.11.4), bytes: the broker must not
    /// send it a larger packet, and mosquitto drops such a message for this session instead (its test
    /// 12-prop-maximum-packet-size-publish-qos1). MQTTnet enforces no limit of its own on what it reads, so this is
    /// what bounds one packet, and with <see cref="DeliveryWindow"/> the bytes MQTTnet can hold, whatever the broker's
    /// own <c>max_packet_size</c>. 16 KiB is 8 times the reference broker's 2,048 (docs/broker.md) and 25 times the
    /// largest message the firmware sends (a 640-byte JSON report), so in the reference deployment nothing reaches this
    /// limit: a device's larger packet is refused by the broker first, which disconnects it. Range 128..268,435,455.
    /// </summary>
    public uint MaximumPacketSize { get; init; } = 16_384;
}

/// <summary>
/// The service's MQTT 5 session (MQTTnet 5): mutual TLS with the service identity, clean start off and a session
/// expiry, so the broker keeps the subscription and queues messages while the service is stopped or killed; the shared
/// subscription <see cref="TopicLayout.SharedFilter"/> at QoS 1; manual acknowledgement (the pipeline acknowledges after
/// commit). Reads the connection only while ingest keeps up (<see cref="GatedAdapterFactory"/>: at most
/// <see cref="BrokerSession.DeliveryWindow"/> PUBLISH packets wait in MQTTnet; docs/service.md, "Back-pressure at the
/// socket"). Reconnects with capped exponential backoff and jitter. Every connect starts a new generation: messages of
/// an earlier connection are never acknowledged on a later one (the broker redelivers them with their own ids). It
/// publishes nothing: device commands leave on <see cref="Commands.CommandConnection"/>, which the gate never holds up.
/// </summary>
public sealed class MqttIngestClient : IAsyncDisposable
{
    private readonly BrokerSession _session;
    private readonly IngestPipeline _pipeline;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly GatedAdapterFactory _adapters;
    private long _generation;
    private CancellationToken _stopping;
    // When this instance was last connected and consuming (UTC ms; long.MinValue: not known): the start of an outage.
    private long _lastUpMs = long.MinValue;
    // Where _lastUpMs came from, for the credit's log line (docs/service.md, "After an outage").
    private volatile string _lastUpFrom = "nothing known";
    // Completed once the newest connect attempt decided its outage credit: its messages wait for it (see OnMessageAsync).
    private volatile Task _creditDecided = Task.CompletedTask;

    public MqttIngestClient(BrokerSession session, IngestPipeline pipeline, ServiceMetrics metrics, ILogger log, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(session.SocketBufferBytes, 4096);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(session.SocketBufferBytes, 64 << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(session.DeliveryWindow, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(session.DeliveryWindow, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(session.MaximumPacketSize, 128u);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(session.MaximumPacketSize, 268_435_455u);
        _session = session;
        _pipeline = pipeline;
        _metrics = metrics;
        _log = log;
        _time = time;
        _adapters = new GatedAdapterFactory(session.DeliveryWindow);
        _client = new MqttClientFactory().CreateMqttClient(_adapters);
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>The current connection's generation (what the pipeline compares before acknowledging).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool Connected => _client.IsConnected;

    /// <summary>This side's address of the newest broker connection (null before the first connect attempt or while it is not up).</summary>
    public System.Net.EndPoint? LocalEndPoint => _adapters.CurrentChannel?.LocalEndPoint;

    /// <summary>MQTTnet's client (tests inspect its packets).</summary>
    internal IMqttClient Client => _client;

    /// <summary>
    /// When this instance was last connected and consuming, UTC ms: now while connected and the database takes the
    /// batches, the failure's start while it fails (<see cref="IngestPipeline.LastConsumingMs"/>: the session is up but the
    /// broker queues everything), else when the connection was lost or closed (null: not known). The service persists it
    /// every few seconds while connected, so a restart, even after kill -9, knows how long the broker queued for it
    /// (<see cref="ResumeFrom"/>).
    /// </summary>
    public long? LastUpMs
    {
        get
        {
            if (_client.IsConnected)
            {
                return _pipeline.LastConsumingMs(_time.GetUtcNow().ToUnixTimeMilliseconds());
            }

            long up = Interlocked.Read(ref _lastUpMs);
            return up == long.MinValue ? null : up;
        }
    }

    /// <summary>
    /// Before <see cref="RunAsync"/>: when this instance was last up, as its previous run saved it or the database's
    /// fallback estimates it (<see cref="FairLimiter.ResumeFrom"/>; null: unknown, no credit).
    /// </summary>
    public void ResumeFrom(ResumePoint point)
    {
        _lastUpFrom = point.Source == ResumeSource.SavedTime ? "the saved last-up time" : point.Source == ResumeSource.DatabaseFallback
            ? "the database fallback (no saved last-up time)" : "nothing known";
        Interlocked.Exchange(ref _lastUpMs, point.LastUpMs ?? long.MinValue);
    }

    /// <summary>The client id, the certificate's CN.</summary>
    public string ClientId => _session.Certificate.GetNameInfo(X509NameType.SimpleName, false);

    /// <summary>Connects, subscribes and stays connected until cancelled (<see cref="BrokerConnectionLoop"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        await BrokerConnectionLoop.RunAsync(
            _client,
            ConnectAsync,
            async (result, token) =>
            {
                MqttClientSubscribeResult subscribed = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(TopicLayout.SharedFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                    .WithTopicFilter(f => f.WithTopic(TopicLayout.RefusalFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), token).ConfigureAwait(false);
                foreach (MqttClientSubscribeResultItem item in subscribed.Items)
                {
                    if (item.ResultCode != MqttClientSubscribeResultCode.GrantedQoS1)
                    {
                        throw new InvalidOperationException("the broker did not grant " + item.TopicFilter.Topic + " at QoS 1: " + item.ResultCode);
                    }
                }

                _metrics.BrokerConnects.WithLabels("ok").Inc();
                _metrics.BrokerConnected.Set(1);
                _log.LogInformation("connected to {Host}:{Port} as {ClientId} (session {Present}), subscribed to {Filter}", _session.Host, _session.Port, ClientId,
                    result.IsSessionPresent ? "resumed" : "new", TopicLayout.SharedFilter);
            },
            (failures, error) =>
            {
                _metrics.BrokerConnects.WithLabels("failed").Inc();
                if (failures == 1 || failures % 10 == 0)
                {
                    _log.LogWarning("cannot connect to the broker {Host}:{Port} (attempt {Attempt}): {Error}", _session.Host, _session.Port, failures, Printable.Escape(error.Message));
                }
            },
            () =>
            {
                Interlocked.Exchange(ref _lastUpMs, _pipeline.LastConsumingMs(_time.GetUtcNow().ToUnixTimeMilliseconds()));
                _lastUpFrom = "the connection's loss";
                _log.LogWarning("connection to the broker lost; reconnecting");
            },
            connected => _metrics.BrokerConnected.Set(connected ? 1 : 0),
            _time,
            cancellationToken).ConfigureAwait(false);
        await DisconnectAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        _client.Dispose();
    }

    /// <summary>
    /// One connect attempt. When the broker kept the session (it queued for the service while it was away), the fair
    /// limits are credited with the outage (<see cref="FairLimiter.OutageToCredit"/>) before any of this connection's
    /// messages reaches the pipeline: MQTTnet starts delivering right after the CONNACK, before ConnectAsync returns,
    /// so each message waits for the decision (a completed task once it is made).
    /// </summary>
    private async Task<MqttClientConnectResult> ConnectAsync(CancellationToken token)
    {
        Interlocked.Increment(ref _generation);
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _creditDecided = decided.Task;
        try
        {
            MqttClientConnectResult result = await _client.ConnectAsync(Options(), token).ConfigureAwait(false);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                long up = Interlocked.Exchange(ref _lastUpMs, nowMs);
                string from = _lastUpFrom;
                _lastUpFrom = "the connection's loss";
                long outage = FairLimiter.OutageToCredit(result.IsSessionPresent, up == long.MinValue ? null : up, nowMs, _session.SessionExpirySeconds * 1000L);
                _pipeline.CreditOutage(outage, from);
            }

            return result;
        }
        finally
        {
            decided.TrySetResult();
        }
    }

    private async Task DisconnectAsync()
    {
        if (_client.IsConnected)
        {
            Interlocked.Exchange(ref _lastUpMs, _pipeline.LastConsumingMs(_time.GetUtcNow().ToUnixTimeMilliseconds()));
        }

        // A normal DISCONNECT keeps the session (its expiry stands): the broker queues for the next start.
        await BrokerConnectionLoop.DisconnectAsync(_client, _log, "ingest").ConfigureAwait(false);
        _metrics.BrokerConnected.Set(0);
    }

    private MqttClientOptions Options()
    {
        MqttClientOptions options = Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = _session.SocketBufferBytes;
        return options;
    }

    private MqttClientOptions Build() => new MqttClientOptionsBuilder()
        .WithTcpServer(_session.Host, _session.Port)
        .WithClientId(ClientId)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithCleanStart(false)
        .WithSessionExpiryInterval(_session.SessionExpirySeconds)
        .WithReceiveMaximum(_session.ReceiveMaximum)
        .WithMaximumPacketSize(_session.MaximumPacketSize)
        .WithKeepAlivePeriod(_session.KeepAlive)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .WithServiceTls(_session)
        .Build();

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Out of MQTTnet's queue: the reader may fetch one more (the wait for the byte budget, if any, follows).
        _adapters.Current?.Taken();
        e.AutoAcknowledge = false;
        InboundMessage inbound = Inbound(e, _time.GetUtcNow().ToUnixTimeMilliseconds(), Interlocked.Read(ref _generation));
        Task decided = _creditDecided;
        return decided.IsCompleted ? _pipeline.EnqueueAsync(inbound, _stopping).AsTask() : EnqueueOnceDecidedAsync(decided, inbound);
    }

    private async Task EnqueueOnceDecidedAsync(Task decided, InboundMessage inbound)
    {
        await decided.WaitAsync(_stopping).ConfigureAwait(false);
        await _pipeline.EnqueueAsync(inbound, _stopping).ConfigureAwait(false);
    }

    /// <summary>
    /// The pipeline's message for one delivery. It keeps <paramref name="e"/> (and through it MQTTnet's packet and
    /// application message) alive until the PUBACK: what one queued message costs (<see cref="InboundMessage.RetainedBytes"/>).
    /// </summary>
    internal static InboundMessage Inbound(MqttApplicationMessageReceivedEventArgs e, long receivedMs, long generation)
    {
        MqttApplicationMessage message = e.ApplicationMessage;
        return new InboundMessage
        {
            Topic = message.Topic,
            Payload = message.Payload.ToArray(),
            Redelivery = message.Dup,
            ReceivedMs = receivedMs,
            ReceivedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp(),
            Generation = generation,
            Acknowledge = message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? null : e.AcknowledgeAsync,
        };
    }
}
