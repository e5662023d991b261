using System;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using SecureDevice.Fleet.Broker;

namespace SecureDevice.Fleet.Response;

/// <summary>
/// <see cref="IDeviceCommandPublisher"/> over a connection of its own (MQTTnet, MQTT 5, mutual TLS), opened at the first
/// command and again after a failure. The fleet service keeps its own command connection instead (see the interface).
/// </summary>
public sealed class MqttCommandPublisher : IDeviceCommandPublisher, IDisposable
{
    private readonly MqttConnector _connector;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IMqttClient? _client;

    /// <exception cref="FleetException">The identity's files or the root cannot be loaded.</exception>
    public MqttCommandPublisher(BrokerEndpoint endpoint, BrokerIdentity identity)
    {
        _connector = new MqttConnector(endpoint, identity);
    }

    public async Task<BrokerAccessResult> PublishAsync(DeviceCommand command, CancellationToken cancellation = default)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (_client is not { IsConnected: true })
            {
                _client?.Dispose();
                _client = new MqttClientFactory().CreateMqttClient();
                (BrokerAccessStatus status, string detail) = await _connector.ConnectAsync(_client, cancellation).ConfigureAwait(false);
                if (status != BrokerAccessStatus.Done)
                {
                    return new BrokerAccessResult(status, detail);
                }
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(_connector.Endpoint.Timeout);
            return await PublishOnAsync(_client, command, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            _client?.Dispose();
            _client = null;
            return new BrokerAccessResult(BrokerAccessStatus.Timeout, "no PUBACK from " + _connector.Where + " within " + _connector.Endpoint.Timeout.TotalSeconds + " s");
        }
        catch (Exception error) when (error is MqttCommunicationException or InvalidOperationException)
        {
            _client?.Dispose();
            _client = null;
            return new BrokerAccessResult(BrokerAccessStatus.Unreachable, "publishing to " + _connector.Where + " failed: " + MqttConnector.FirstLine(error.Message));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Publishes <paramref name="command"/> on a connected <paramref name="client"/>: QoS 1, its retain flag, its expiry
    /// (1 s .. 2^32-1 s). Done on PUBACK success (or no subscriber yet: the broker keeps a retained command), NotAuthorized
    /// for any other reason code, which <see cref="BrokerAccessResult.PublishReason"/> carries (the rollout worker retries
    /// a quota refusal, gives a topic refusal up). The one encoding of a device command on the wire, for this publisher and the service's
    /// command connection; the caller owns the timeout (<paramref name="cancellation"/>) and the connection's failures.
    /// </summary>
    public static async Task<BrokerAccessResult> PublishOnAsync(IMqttClient client, DeviceCommand command, CancellationToken cancellation)
    {
        MqttClientPublishResult published = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(command.Topic)
            .WithPayload(command.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(command.Retain)
            .WithMessageExpiryInterval((uint)Math.Clamp(command.Expiry.TotalSeconds, 1, uint.MaxValue))
            .Build(), cancellation).ConfigureAwait(false);
        return published.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
            ? new BrokerAccessResult(BrokerAccessStatus.Done, "published " + command.Topic + " (" + command.Payload.Length + " bytes)")
            : new BrokerAccessResult(BrokerAccessStatus.NotAuthorized, "the broker refused " + command.Topic + ": " + published.ReasonCode) { PublishReason = published.ReasonCode };
    }

    public void Dispose()
    {
        _client?.Dispose();
        _connector.Dispose();
        _gate.Dispose();
    }
}
