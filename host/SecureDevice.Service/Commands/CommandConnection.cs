using System;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Monitoring;

namespace SecureDevice.Service.Commands;

/// <summary>
/// The service's device commands (throttle and lift, from the ladder and the console) on an MQTT 5 connection of their
/// own, as the instance's command identity <c>commands.INSTANCE</c> (docs/service.md, "Command connection"). Ingest's
/// connection stops reading its socket while ingest is behind (<see cref="DeliveryGate"/>): a PUBACK on it then waits
/// behind unread reports, so exactly when the fleet floods a throttle could not be confirmed. This connection receives
/// nothing (its role may not subscribe), so nothing ever stops it being read.
/// <para>
/// Mutual TLS with the command identity, clean start and no session expiry: it only publishes, the broker keeps nothing
/// for it. Reconnects with the ingest connection's capped exponential backoff and jitter. A command is published only
/// while connected (Unreachable otherwise, at once). A QoS 1 command whose PUBACK has not arrived when the connection
/// drops is sent once more on the next connection (its session state is gone, so MQTTnet would not), if that connection
/// is up within the same <see cref="PublishTimeout"/>, with the expiry it has left; it is Done only on a PUBACK, and
/// otherwise reported failed (Timeout when the connection is not back in time, Unreachable when the second connection
/// drops too): the caller audits the failure and may repeat the action. The broker may have taken the first copy before
/// the drop, so the device can receive it twice; a throttle command states the device's limits and their absolute end,
/// so receiving it twice changes nothing (see <see cref="SendAsync"/>).
/// </para>
/// </summary>
public sealed class CommandConnection : IDeviceCommandPublisher, IAsyncDisposable
{
    /// <summary>How long a command waits for its PUBACK before it is reported as a timeout.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    private readonly BrokerSession _session;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;

    // Completed (and replaced) each time the connection is up: a command whose connection dropped waits on it.
    private TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="session">Host, port, trust anchor, keep-alive, and the command identity's certificate (the other settings are ingest's and unused).</param>
    public CommandConnection(BrokerSession session, ServiceMetrics metrics, ILogger log, TimeProvider time)
    {
        _session = session;
        _metrics = metrics;
        _log = log;
        _time = time;
        _client = new MqttClientFactory().CreateMqttClient();
    }

    public bool Connected => _client.IsConnected;

    /// <summary>The client id, the command identity's CN.</summary>
    public string ClientId => _session.Certificate.GetNameInfo(X509NameType.SimpleName, false);

    /// <summary>Connects and stays connected until cancelled (<see cref="BrokerConnectionLoop"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await BrokerConnectionLoop.RunAsync(
            _client,
            token => _client.ConnectAsync(Options(), token),
            (result, token) =>
            {
                _metrics.CommandConnects.WithLabels("ok").Inc();
                _metrics.CommandConnected.Set(1);
                Interlocked.Exchange(ref _up, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                _log.LogInformation("command connection to {Host}:{Port} as {ClientId} up", _session.Host, _session.Port, ClientId);
                return Task.CompletedTask;
            },
            (failures, error) =>
            {
                _metrics.CommandConnects.WithLabels("failed").Inc();
                if (failures == 1 || failures % 10 == 0)
                {
                    _log.LogWarning("command connection: cannot connect to the broker {Host}:{Port} as {ClientId} (attempt {Attempt}): {Error}", _session.Host, _session.Port, ClientId, failures,
                        Printable.Escape(error.Message));
                }
            },
            () => _log.LogWarning("command connection to the broker lost; reconnecting"),
            connected => _metrics.CommandConnected.Set(connected ? 1 : 0),
            _time,
            cancellationToken).ConfigureAwait(false);
        await DisconnectAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes a device command (the command role allows throttle commands only) and returns on its PUBACK; fails
    /// (Unreachable) at once while disconnected, (Timeout) after <see cref="PublishTimeout"/> without a PUBACK. A drop
    /// before the PUBACK sends it once more on the next connection within that time (<see cref="SendAsync"/>). The caller
    /// audits a failure.
    /// </summary>
    public async Task<BrokerAccessResult> PublishAsync(DeviceCommand command, CancellationToken cancellation = default)
    {
        BrokerAccessResult result = await SendAsync(command, cancellation).ConfigureAwait(false);
        _metrics.CommandsPublished.WithLabels(result.Status switch
        {
            BrokerAccessStatus.Done => "done",
            BrokerAccessStatus.Timeout => "timeout",
            BrokerAccessStatus.Unreachable => "unreachable",
            _ => "refused",
        }).Inc();
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        _client.Dispose();
    }

    /// <summary>
    /// One PUBLISH, and one more on the next connection if this one drops before the PUBACK, within one
    /// <see cref="PublishTimeout"/>. Sending a throttle command twice is safe: the device's parser
    /// (DeviceFirmware/Core/FloodGuard/ThrottleCommandParser.cs) reads an absolute <c>until</c> (Unix seconds) and a rate,
    /// and the agent (DeviceAgent.Handle, ConnectionManager.ApplyThrottle) hands both to <c>ThrottleWindow.Apply</c>, which
    /// sets the end from <c>until</c> against the wall clock (the same end, however late the copy arrives) and the interval
    /// from the rate, and replaces whatever was in force; the publish limiter re-paces at the same rate and keeps its
    /// credit (<c>TokenBucket.Configure</c>). Only counters (commands applied, window changes) see the second copy. The
    /// broker's retained message is replaced by an identical one.
    /// </summary>
    private async Task<BrokerAccessResult> SendAsync(DeviceCommand command, CancellationToken cancellation)
    {
        if (!_client.IsConnected)
        {
            return new BrokerAccessResult(BrokerAccessStatus.Unreachable, "the service's command connection is not connected to the broker");
        }

        long started = _time.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(PublishTimeout);
        // Taken before the publish: a connection that comes up after it completes this task.
        Task reconnected = Volatile.Read(ref _up).Task;
        bool dropped = false;
        try
        {
            try
            {
                return await MqttCommandPublisher.PublishOnAsync(_client, command, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception error) when ((error is MqttCommunicationException or InvalidOperationException) && !deadline.IsCancellationRequested)
            {
                // The connection dropped before the PUBACK (or just before the publish): wait for the next one.
                dropped = true;
                _log.LogInformation("command {Topic}: the connection dropped before its PUBACK ({Error}); sending it again once reconnected", Printable.Escape(command.Topic), Printable.Escape(error.Message));
            }

            await reconnected.WaitAsync(deadline.Token).ConfigureAwait(false);
            // The expiry left, not the whole one again: the retained copy must not outlive the command's end, or the
            // broker would hand a stale command (which its parser rejects) to a device that subscribes later. The command
            // carries a duration, not its end, so what is left is counted from this call: whole seconds, rounded down,
            // the second copy expires no later than the first would have (both may outlast the payload's until by the
            // time between the action's clock reading and this call, plus the fraction of a second until drops).
            // Under one second left, the command has ended and is not sent.
            TimeSpan left = command.Expiry - _time.GetElapsedTime(started);
            if (left < TimeSpan.FromSeconds(1))
            {
                return new BrokerAccessResult(BrokerAccessStatus.Unreachable, "the connection dropped before the PUBACK and the command's expiry ended before it was back");
            }

            _metrics.CommandsResent.Inc();
            return await MqttCommandPublisher.PublishOnAsync(_client, command with { Expiry = TimeSpan.FromSeconds(Math.Floor(left.TotalSeconds)) }, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new BrokerAccessResult(BrokerAccessStatus.Timeout, "no PUBACK within " + PublishTimeout.TotalSeconds + " s"
                + (dropped ? " (the connection dropped before it and was not back in time, or dropped again)" : ""));
        }
        catch (Exception error) when (error is MqttCommunicationException or InvalidOperationException)
        {
            // The connection dropped again before the PUBACK (or the PUBLISH): not sent a third time.
            return new BrokerAccessResult(BrokerAccessStatus.Unreachable, "publishing failed: " + Printable.Escape(error.Message));
        }
    }

    private async Task DisconnectAsync()
    {
        await BrokerConnectionLoop.DisconnectAsync(_client, _log, "command connection").ConfigureAwait(false);
        _metrics.CommandConnected.Set(0);
    }

    private MqttClientOptions Options() => new MqttClientOptionsBuilder()
        .WithTcpServer(_session.Host, _session.Port)
        .WithClientId(ClientId)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithCleanStart(true)
        .WithSessionExpiryInterval(0)
        .WithKeepAlivePeriod(_session.KeepAlive)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .WithServiceTls(_session)
        .Build();
}
