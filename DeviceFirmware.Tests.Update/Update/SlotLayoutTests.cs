using nanoFramework.TestFramework;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class SlotLayoutTests
    {
        [TestMethod]
        public void Path_EachSlot_ItsOwnFolder()
        {
            Assert.AreEqual("app/a/Sensor.App.pe", SlotLayout.Path(SlotLayout.SlotA, "Sensor.App.pe"));
            Assert.AreEqual("app/b/manifest.json", SlotLayout.Path(SlotLayout.SlotB, SlotLayout.Manifest));
        }

        // The loader's boot line names the slot it ran.
        [TestMethod]
        public void Name_EachSlot_ItsLetter()
        {
            Assert.AreEqual("a", SlotLayout.Name(SlotLayout.SlotA));
            Assert.AreEqual("b", SlotLayout.Name(SlotLayout.SlotB));
        }

        // A slot number gone wrong (a loop counting the wrong way) must fail at once, not read slot B's files forever.
        [TestMethod]
        [DataRow(-1)]
        [DataRow(2)]
        public void Folder_NoSuchSlot_ThrowsNamingIt(int slot)
        {
            string name = ThrownArgument.Name(() => SlotLayout.Folder(slot));
            Assert.AreEqual("slot", name);
        }
    }
}
