using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateStateTextTests
    {
        // The state names are the "state" of update events, which the service matches on.
        [TestMethod]
        public void Name_EveryState_IsItsPinnedName()
        {
            string names = "";
            for (int state = 0; state <= 6; state++)
            {
                names += UpdateStateText.Name((UpdateState)state) + " ";
            }

            Assert.AreEqual("idle offered downloading verifying staged testing waiting-for-reboot ", names);
        }
    }
}
