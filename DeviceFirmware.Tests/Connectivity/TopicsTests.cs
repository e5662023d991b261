using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class TopicsTests
    {
        [TestMethod]
        public void Topics_FollowTheAclLayout()
        {
            Topics topics = new Topics("devices", "dev-7");
            Assert.AreEqual("devices/dev-7/down/#", topics.DownFilter);
            Assert.AreEqual("devices/dev-7/up/status", topics.Status);
            Assert.AreEqual("devices/dev-7/up/health", topics.Health);
            Assert.AreEqual("devices/dev-7/up/events", topics.Events);
            Assert.AreEqual("devices/dev-7/up/update", topics.Update);
        }

        [DataRow("devices/dev-7/down/throttle", "throttle")]
        [DataRow("devices/dev-7/down/update", "update")]
        [DataRow("devices/dev-8/down/throttle", null)]
        [DataRow("devices/dev-7/down/", null)]
        [DataRow("devices/dev-7/down/a/b", null)]
        [DataRow("devices/dev-7/up/throttle", null)]
        public void DownLeaf_AcceptsOnlyThisDevicesDownTopics(string topic, string expected)
        {
            Assert.AreEqual(expected, new Topics("devices", "dev-7").DownLeaf(topic), topic);
        }
    }
}
