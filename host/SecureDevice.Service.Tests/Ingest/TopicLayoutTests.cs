using System;
using System.Linq;
using SecureDevice.Core.Text;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

public sealed class TopicLayoutTests
{
    [Theory]
    [InlineData("devices/dev-001/up/health", true, "dev-001", UpTopic.Health)]
    [InlineData("devices/dev-001/up/status", true, "dev-001", UpTopic.Status)]
    [InlineData("devices/dev-001/up/events", true, "dev-001", UpTopic.Events)]
    [InlineData("devices/dev-001/up/update", true, "dev-001", UpTopic.Update)]
    [InlineData("devices/dev-001/up/health/x", false, "dev-001", UpTopic.Status)]
    [InlineData("devices/dev-001/up/", false, "dev-001", UpTopic.Status)]
    [InlineData("devices/dev-001/down/health", false, "dev-001", UpTopic.Status)]
    [InlineData("device/dev-001/up/health", false, "dev-001", UpTopic.Status)]
    [InlineData("devices/dev-001", false, "dev-001", UpTopic.Status)]
    [InlineData("devices/dev-001/", false, "dev-001", UpTopic.Status)]
    [InlineData("devices//up/health", false, TopicLayout.InvalidDeviceId, UpTopic.Status)]
    [InlineData("devices/../up/health", false, TopicLayout.InvalidDeviceId, UpTopic.Status)]
    [InlineData("devices", false, TopicLayout.InvalidDeviceId, UpTopic.Status)]
    [InlineData("", false, TopicLayout.InvalidDeviceId, UpTopic.Status)]
    [InlineData("/", false, TopicLayout.InvalidDeviceId, UpTopic.Status)]
    [InlineData("devices/dev-001/up/Health", false, "dev-001", UpTopic.Status)]
    public void TryParse_Topic_DeviceAndLeafAsItsLevelsSay(string topic, bool valid, string deviceId, UpTopic leaf)
    {
        Assert.Equal(valid, TopicLayout.TryParse(topic, out string parsedId, out UpTopic parsedLeaf));
        Assert.Equal(deviceId, parsedId);
        Assert.Equal(leaf, parsedLeaf);
        Assert.Equal(Reference(topic), (valid, parsedId, parsedLeaf));
    }

    [Fact]
    public void TryParse_RandomTopicsFromTheLevelsAlphabet_SameAsSplittingOnSlashes()
    {
        var random = new Random(7);
        string[] pieces = { "devices", "dev-001", "up", "health", "status", "events", "update", "/", "//", "", "x", "../", "dev 1", "+", "#" };
        for (int i = 0; i < 20_000; i++)
        {
            string topic = string.Concat(Enumerable.Range(0, random.Next(1, 9)).Select(_ => pieces[random.Next(pieces.Length)] + (random.Next(3) == 0 ? string.Empty : "/")));
            bool valid = TopicLayout.TryParse(topic, out string deviceId, out UpTopic leaf);
            Assert.Equal(Reference(topic), (valid, deviceId, leaf));
        }
    }

    /// <summary>The layout's definition: the topic's levels split on '/'.</summary>
    private static (bool, string, UpTopic) Reference(string topic)
    {
        string[] levels = topic.Split('/');
        string deviceId = levels.Length >= 2 && SafeName.IsDeviceId(levels[1]) ? levels[1] : TopicLayout.InvalidDeviceId;
        if (levels.Length != 4 || levels[0] != "devices" || levels[2] != "up" || deviceId == TopicLayout.InvalidDeviceId)
        {
            return (false, deviceId, UpTopic.Status);
        }

        return levels[3] switch
        {
            "status" => (true, deviceId, UpTopic.Status),
            "health" => (true, deviceId, UpTopic.Health),
            "events" => (true, deviceId, UpTopic.Events),
            "update" => (true, deviceId, UpTopic.Update),
            _ => (false, deviceId, UpTopic.Status),
        };
    }
}
