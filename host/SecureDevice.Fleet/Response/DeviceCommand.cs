using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;

namespace SecureDevice.Fleet.Response;

/// <summary>
/// One command message for a device: published with QoS 1, retained (so a device that is offline or reconnects after a
/// reboot gets it when it subscribes) and with an MQTT 5 message expiry (so the broker drops it when it no longer
/// applies, instead of handing every later connection a stale command the device would count as rejected).
/// </summary>
public sealed record DeviceCommand(string Topic, byte[] Payload, bool Retain, TimeSpan Expiry);

/// <summary>
/// Sends device commands with the identity the rights table allows for them (the service's command identity
/// <c>commands.INSTANCE</c> may publish throttle commands only). The fleet service implements it over a connection of its
/// own as that identity (its <c>CommandConnection</c>), never over its ingest connection, whose reading pauses while
/// ingest is behind; <see cref="MqttCommandPublisher"/> opens one per need for tools and tests.
/// </summary>
public interface IDeviceCommandPublisher
{
    /// <summary>Publishes <paramref name="command"/> and returns when the broker acknowledged it (PUBACK) or the attempt failed.</summary>
    Task<BrokerAccessResult> PublishAsync(DeviceCommand command, CancellationToken cancellation = default);
}
