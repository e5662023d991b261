using System;
using MQTTnet;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Fleet.Broker;

namespace SecureDevice.WebConsole.Updates;

/// <summary>What the rollout worker makes of the broker's answer to one device's offer (docs/console.md, "Publishing").</summary>
public enum OfferDelivery
{
    /// <summary>PUBACK success (or no subscriber yet): recorded <c>published</c>.</summary>
    Delivered,

    /// <summary>
    /// Try again later, nothing recorded for the device: no connection, no answer, the operator identity refused at
    /// CONNACK or at PUBACK (not authorised: the publisher's rights, not the device's; mosquitto's dynamic-security
    /// grants offers to a role for every device's topic at once, so this answer is the same for every device until an
    /// administrator fixes the role), or a PUBACK asking to wait (quota exceeded, packet id in use, unspecified or
    /// implementation-specific error). The rollout's pass stops and is retried with backoff.
    /// </summary>
    Retry,

    /// <summary>
    /// Refused for good for this device: PUBACK topic name invalid, payload format invalid, any reason code this table
    /// does not know (fail closed); or the device is revoked or quarantined. Recorded <c>failed</c> with the reason,
    /// never retried; the pass goes on with the other devices; the judge counts it as failed.
    /// </summary>
    Refused,
}

/// <summary>The pure rules of publishing offers: which answers are retried, and when.</summary>
public static class OfferDeliveries
{
    /// <summary>The broker's answer (<see cref="BrokerAccessResult.PublishReason"/> when it sent a PUBACK) as a delivery.</summary>
    public static OfferDelivery Classify(BrokerAccessResult result)
    {
        if (result.Status == BrokerAccessStatus.Done)
        {
            return OfferDelivery.Delivered;
        }

        return result.PublishReason switch
        {
            null => OfferDelivery.Retry, // no PUBACK at all: the connection, the identity, or no answer
            // The publisher's rights (the same answer for every device: OfferRetryAtTheBrokerTests); it used to fail
            // every device of the wave for good, so even after the role was fixed they were never offered it again.
            MqttClientPublishReasonCode.NotAuthorized => OfferDelivery.Retry,
            MqttClientPublishReasonCode.QuotaExceeded or MqttClientPublishReasonCode.PacketIdentifierInUse
                or MqttClientPublishReasonCode.UnspecifiedError or MqttClientPublishReasonCode.ImplementationSpecificError => OfferDelivery.Retry,
            _ => OfferDelivery.Refused, // TopicNameInvalid, PayloadFormatInvalid, and anything unknown
        };
    }

    /// <summary>
    /// Why a registry entry may not be offered anything (null: it may): a revoked (or otherwise inactive) device, or one
    /// the service quarantined.
    /// </summary>
    public static string? Unreachable(SecureDevice.Service.Storage.DeviceRecord? device) =>
        device == null ? "not published: the device left the registry"
        : device.Status != "active" ? "not published: the device is " + device.Status
        : device.ServiceState == "quarantined" ? "not published: the device is quarantined"
        : null;

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (1, 2, …) of a rollout's publication, milliseconds: full jitter
    /// between <paramref name="baseMs"/> and min(<paramref name="capMs"/>, base·2^(attempt−1)) from
    /// <paramref name="random"/> (the firmware's own <see cref="Backoff"/> arithmetic), so instances and rollouts that
    /// lost the broker together do not return in step.
    /// </summary>
    public static long RetryDelayMs(int attempt, long baseMs, long capMs, uint random) =>
        Backoff.FullJitterMs(Backoff.CeilingMs(Math.Max(0, attempt - 1), baseMs, capMs), baseMs, random);
}
