using System;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// A virtual device's MQTT connection for load and ingest tests (MQTTnet, MQTT 3.1.1 like the firmware, mutual TLS with
/// its own certificate, the broker pinned to the PKI's root). Publishes at QoS 1 and returns when the broker acknowledged.
/// </summary>
public sealed class DevicePublisher : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly EnrolledDevice _device;

    private DevicePublisher(EnrolledDevice device, IMqttClient client)
    {
        _device = device;
        _client = client;
    }

    public string Id => _device.Id;

    /// <summary>Connects <paramref name="device"/> to the broker at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static async Task<DevicePublisher> ConnectAsync(EnrolledDevice device, string host, int port, X509Certificate2 root, CancellationToken cancellationToken)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(device.Id)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(20))
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost(host).WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new X509Certificate2Collection(device.Certificate)).WithTrustChain(new X509Certificate2Collection(root))
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build();
        try
        {
            await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new DevicePublisher(device, client);
    }

    public bool Connected => _client.IsConnected;

    /// <summary>Publishes on devices/ID/up/<paramref name="leaf"/> (or on <paramref name="topic"/> as given) at QoS 1.</summary>
    public async Task PublishAsync(string leaf, byte[] payload, CancellationToken cancellationToken, string? topic = null, bool retain = false)
    {
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(topic ?? "devices/" + _device.Id + "/up/" + leaf)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        await PublishAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A health report message on this device's health topic, built once so that the load generator publishes it later
    /// without building anything (MQTTnet makes its packet from it; the message itself is not changed by publishing).
    /// </summary>
    public MqttApplicationMessage HealthMessage(byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic("devices/" + _device.Id + "/up/health")
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    /// <summary>Publishes a message built beforehand (<see cref="HealthMessage"/>) and returns when the broker acknowledged it.</summary>
    public async Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        MqttClientPublishResult result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException(_device.Id + ": publish refused: " + result.ReasonCode);
        }
    }

    /// <summary>A health report made by the device's encoder.</summary>
    public Task PublishHealthAsync(long boot, long sequence, CancellationToken cancellationToken) => PublishAsync("health", HealthReports.Cbor(boot, sequence), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Already gone.
        }

        _client.Dispose();
    }
}
