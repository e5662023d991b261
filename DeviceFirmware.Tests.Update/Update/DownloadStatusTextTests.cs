using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class DownloadStatusTextTests
    {
        // The names end up in update details and logs, which operators search for.
        [TestMethod]
        public void Name_EveryStatus_IsItsPinnedName()
        {
            string names = "";
            for (int status = 0; status <= 7; status++)
            {
                names += DownloadStatusText.Name((DownloadStatus)status) + " ";
            }

            Assert.AreEqual("ok not-found range-ignored range-not-satisfiable network-error tls-error server-error timeout ", names);
        }
    }
}
