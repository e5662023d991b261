using System;
using SecureDevice.Core.Text;
using SecureDevice.Core.Connectivity;

namespace SecureDevice.Service.Ingest;

/// <summary>The four up topics of a device, as the broker's ACL grants them (certs/README.md).</summary>
public enum UpTopic
{
    Status,
    Health,
    Events,
    Update,
}

/// <summary>Parses <c>devices/ID/up/LEAF</c>, the only layout a device may publish.</summary>
public static class TopicLayout
{
    /// <summary>The shared subscription every instance joins: instances of one group split the stream.</summary>
    public const string SharedFilter = "$share/ingest/devices/+/up/#";

    /// <summary>
    /// The broker's refusal counter reports (docs/service.md, "Publishes refused by the broker"). Not a shared
    /// subscription: mosquitto 2.0.11 files <c>$share/G/$SYS/...</c> under the root of the topics that do not start with
    /// '$', so it never matches a <c>$SYS</c> message (topic_tok.c). Every instance receives every report, and the shared
    /// database counts each (client, interval) once.
    /// </summary>
    public const string RefusalFilter = SecureDevice.Fleet.Broker.BrokerRights.RefusalTopicPrefix + "+";

    /// <summary>The id counted for a topic whose device level is not a device id at all.</summary>
    public const string InvalidDeviceId = "(invalid)";

    /// <summary>
    /// True for an expected topic. Otherwise <paramref name="deviceId"/> is the second level when it is a valid device id
    /// (the message is counted against that device) or <see cref="InvalidDeviceId"/>.
    /// </summary>
    public static bool TryParse(string topic, out string deviceId, out UpTopic leaf)
    {
        // Levels found by index rather than topic.Split('/'): the device id is the only string ingest needs from a topic
        // (splitting allocated an array and four strings per message).
        leaf = UpTopic.Status;
        deviceId = InvalidDeviceId;
        int first = topic.IndexOf('/');
        if (first < 0)
        {
            return false;
        }

        int second = topic.IndexOf('/', first + 1);
        string level1 = second < 0 ? topic[(first + 1)..] : topic[(first + 1)..second];
        deviceId = SafeName.IsDeviceId(level1) ? level1 : InvalidDeviceId;
        int third = second < 0 ? -1 : topic.IndexOf('/', second + 1);
        if (third < 0 || topic.IndexOf('/', third + 1) >= 0 || deviceId == InvalidDeviceId
            || !topic.AsSpan(0, first).SequenceEqual("devices") || !topic.AsSpan(second + 1, third - second - 1).SequenceEqual("up"))
        {
            return false;
        }

        ReadOnlySpan<char> last = topic.AsSpan(third + 1);
        if (last.SequenceEqual(Topics.StatusLeaf))
        {
            leaf = UpTopic.Status;
        }
        else if (last.SequenceEqual(Topics.HealthLeaf))
        {
            leaf = UpTopic.Health;
        }
        else if (last.SequenceEqual(Topics.EventsLeaf))
        {
            leaf = UpTopic.Events;
        }
        else if (last.SequenceEqual(Topics.UpdateLeaf))
        {
            leaf = UpTopic.Update;
        }
        else
        {
            return false;
        }

        return true;
    }
}
