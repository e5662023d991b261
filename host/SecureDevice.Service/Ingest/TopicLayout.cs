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

    /// <summary>The id counted for a topic whose device level is not a device id at all.</summary>
    public const string InvalidDeviceId = "(invalid)";

    /// <summary>
    /// True for an expected topic. Otherwise <paramref name="deviceId"/> is the second level when it is a valid device id
    /// (the message is counted against that device) or <see cref="InvalidDeviceId"/>.
    /// </summary>
    public static bool TryParse(string topic, out string deviceId, out UpTopic leaf)
    {
        leaf = UpTopic.Status;
        string[] levels = topic.Split('/');
        deviceId = levels.Length >= 2 && SafeName.IsDeviceId(levels[1]) ? levels[1] : InvalidDeviceId;
        if (levels.Length != 4 || levels[0] != "devices" || levels[2] != "up" || deviceId == InvalidDeviceId)
        {
            return false;
        }

        switch (levels[3])
        {
            case Topics.StatusLeaf:
                leaf = UpTopic.Status;
                return true;
            case Topics.HealthLeaf:
                leaf = UpTopic.Health;
                return true;
            case Topics.EventsLeaf:
                leaf = UpTopic.Events;
                return true;
            case Topics.UpdateLeaf:
                leaf = UpTopic.Update;
                return true;
            default:
                return false;
        }
    }
}
