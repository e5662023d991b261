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
            Assert.IsTrue(window.TryReserve());
            window.Commit(7);
            Assert.IsTrue(window.TryReserve());
            window.Commit(8);
            Assert.IsFalse(window.TryReserve(), "full: the client must not be asked to publish");
            Assert.IsTrue(window.Acknowledge(7));
            Assert.IsTrue(window.TryReserve());
            Assert.AreEqual(2, window.Count);
        }

        [TestMethod]
        public void Acknowledge_BeforeCommit_FreesTheSlotOnCommit()
        {
            // The PUBACK can arrive on the client's thread before Publish returned the id.
            InflightWindow window = new InflightWindow(1);
            Assert.IsTrue(window.TryReserve());
            Assert.IsTrue(window.Acknowledge(5));
            window.Commit(5);
            Assert.AreEqual(0, window.Count);
            Assert.IsTrue(window.TryReserve());
        }

        [TestMethod]
        public void Cancel_FailedPublish_GivesTheSlotBack()
        {
            InflightWindow window = new InflightWindow(1);
            for (int i = 0; i < 100; i++)
            {
                Assert.IsTrue(window.TryReserve());
                window.Cancel();
            }

            Assert.AreEqual(0, window.Count);
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
            Assert.AreEqual(0, window.Count);
            Assert.ThrowsException(typeof(System.InvalidOperationException), () => window.Commit(2));
        }
    }
}
