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
        [DataRow("devices/dev-8/down/throttle", "")]
        [DataRow("devices/dev-7/down/", "")]
        [DataRow("devices/dev-7/down/a/b", "")]
        [DataRow("devices/dev-7/up/throttle", "")]
        public void DownLeaf_AcceptsOnlyThisDevicesDownTopics(string topic, string expected)
        {
            // "" stands for "no leaf" (null): the MetadataProcessor crashes on a null attribute argument.
            Assert.AreEqual(expected.Length == 0 ? null : expected, new Topics("devices", "dev-7").DownLeaf(topic), topic);
        }
    }
}
