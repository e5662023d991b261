using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class InflightWindowTests
    {
        [TestMethod]
        public void TryReserve_Full_RefusesUntilAnAcknowledgement()
        {
            InflightWindow window = new InflightWindow(2);
            bool reserved = window.TryReserve();
            Assert.IsTrue(reserved);
            window.Commit(7);
            reserved = window.TryReserve();
            Assert.IsTrue(reserved);
            window.Commit(8);
            Assert.IsFalse(window.TryReserve(), "full: the client must not be asked to publish");
            bool acknowledged = window.Acknowledge(7);
            Assert.IsTrue(acknowledged);
            reserved = window.TryReserve();
            Assert.IsTrue(reserved);
            int count = window.Count;
            Assert.AreEqual(2, count);
        }

        [TestMethod]
        public void Acknowledge_BeforeCommit_FreesTheSlotOnCommit()
        {
            // The PUBACK can arrive on the client's thread before Publish returned the id.
            InflightWindow window = new InflightWindow(1);
            bool reserved = window.TryReserve();
            Assert.IsTrue(reserved);
            bool acknowledged = window.Acknowledge(5);
            Assert.IsTrue(acknowledged);
            window.Commit(5);
            int count = window.Count;
            Assert.AreEqual(0, count);
            reserved = window.TryReserve();
            Assert.IsTrue(reserved);
        }

        [TestMethod]
        public void Cancel_FailedPublish_GivesTheSlotBack()
        {
            InflightWindow window = new InflightWindow(1);
            for (int i = 0; i < 100; i++)
            {
                bool reserved = window.TryReserve();
                Assert.IsTrue(reserved);
                window.Cancel();
            }

            int count = window.Count;
            Assert.AreEqual(0, count);
            Assert.IsFalse(window.Acknowledge(3), "no id is in flight");
        }

        [TestMethod]
        public void Clear_Reconnect_FreesEverything()
        {
            InflightWindow window = new InflightWindow(3);
            window.TryReserve();
            window.Commit(1);
            window.TryReserve();
            window.Clear();
            int count = window.Count;
            Assert.AreEqual(0, count);
            System.Action commitUnreserved = () => window.Commit(2);
            Assert.ThrowsException(typeof(System.InvalidOperationException), commitUnreserved);
        }
    }
}
