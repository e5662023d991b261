using nanoFramework.TestFramework;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateEventWriterTests
    {
        [TestMethod]
        public void Write_Staged_GoldenJson()
        {
            UpdateRig rig = Rig(90);
            rig.Offer(rig.Publish(UpdateBundles.Release(UpdateBundles.Factory(new TestRandom(90)), new TestRandom(91)), "s"));
            rig.Run(true, 200);
            Assert.AreEqual(UpdateEvents.Prefix("staged", "staged", 11, 7) + rig.Engine.Status.EventSequence + "}", Write(rig.Engine));
        }

        [TestMethod]
        public void Write_Downloading_CarriesProgress()
        {
            UpdateRig rig = UpdateRig.Booted(92);
            rig.Offer(rig.Publish(rig.Release("1.1.0", 3, new int[] { 2500 }), "d"));
            rig.Run(true, 2);
            string json = Write(rig.Engine);
            Assert.AreEqual(0, json.IndexOf(UpdateEvents.Head("downloading", "none", 0) + "\"done\":"), json);
            Assert.IsTrue(json.IndexOf(",\"total\":2500,\"boot\":7,\"seq\":") > 0, json);
        }

        [TestMethod]
        public void Write_RejectedWithUnsafeDetail_EscapedAndBounded()
        {
            UpdateRig rig = Rig(93);
            byte[] offer = TestBytes.Utf8("{\"url\":\"ftp://x/\"}");
            rig.Engine.Offer(offer, 0, offer.Length, 0);
            string json = Write(rig.Engine);
            Assert.AreEqual(0, json.IndexOf("{\"state\":\"idle\",\"outcome\":\"malformed-offer\",\"code\":8,\"detail\":\""), json);
            bool bounded = json.Length <= UpdateEventWriter.MaxBytes;
            Assert.IsTrue(bounded);
            Assert.AreEqual(-1, json.IndexOf("\\"), json);
        }

        [TestMethod]
        public void Write_ShortBuffer_Throws()
        {
            UpdateRig rig = Rig(94);
            System.Action writeToShortBuffer = () => new UpdateEventWriter().Write(rig.Engine.Status, 1, new byte[100], 0, 100);
            Assert.ThrowsException(typeof(System.ArgumentException), writeToShortBuffer);
        }

        private static UpdateRig Rig(uint seed)
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(seed)), seed);
            rig.Boot();
            return rig;
        }

        private static string Write(UpdateEngine engine)
        {
            byte[] buffer = new byte[UpdateEventWriter.MaxBytes];
            int length = new UpdateEventWriter().Write(engine.Status, 7, buffer, 0, buffer.Length);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
    }
}
