using nanoFramework.TestFramework;
using SecureDevice.Core;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests
{
    [TestClass]
    public class ByteRangeTests
    {
        // Digest and signature checks rest on this comparison: a difference in any position, the last included, counts.
        [TestMethod]
        [DataRow(0)]
        [DataRow(15)]
        [DataRow(31)]
        public void ConstantTimeEquals_OneByteDiffers_Unequal(int index)
        {
            byte[] left = new byte[36];
            byte[] right = new byte[32];
            for (int i = 0; i < 32; i++)
            {
                left[i + 4] = (byte)(i * 7);
                right[i] = (byte)(i * 7);
            }

            bool same = ByteRange.ConstantTimeEquals(left, 4, right, 0, 32);
            Assert.IsTrue(same);
            right[index] ^= 0x80;
            same = ByteRange.ConstantTimeEquals(left, 4, right, 0, 32);
            Assert.IsFalse(same);
        }

        [TestMethod]
        [DataRow(-1, 1)]
        [DataRow(0, -1)]
        [DataRow(2, 3)]
        [DataRow(5, 0)]
        public void Check_RangeOutsideTheBuffer_ThrowsNamingOffset(int offset, int count)
        {
            byte[] buffer = new byte[4];
            System.Action check = () => ByteRange.Check(buffer, offset, count);
            Assert.AreEqual("offset", ThrownArgument.Name(check));
        }

        [TestMethod]
        public void Check_NullOrExactFit_NamesBufferOrPasses()
        {
            System.Action noBuffer = () => ByteRange.Check(null, 0, 0);
            System.Action lastThree = () => ByteRange.Check(new byte[4], 1, 3);
            System.Action emptyAtTheEnd = () => ByteRange.Check(new byte[4], 4, 0);
            Assert.AreEqual("buffer", ThrownArgument.Name(noBuffer));
            Assert.AreEqual("(none)", ThrownArgument.Name(lastThree));
            Assert.AreEqual("(none)", ThrownArgument.Name(emptyAtTheEnd));
            string message = "(none)";
            try
            {
                ByteRange.Check(new byte[4], 2, 3);
            }
            catch (System.ArgumentOutOfRangeException e)
            {
                message = e.Message;
            }

            // The range and the buffer length, for the bug report (no commas in assert text: the adapter splits on them).
            Assert.IsTrue(message.IndexOf("range [2") >= 0);
            Assert.IsTrue(message.IndexOf(" +3) outside buffer of 4") >= 0);
        }

        [TestMethod]
        public void ConstantTimeEquals_RangeOutsideEitherBuffer_Throws()
        {
            byte[] four = new byte[4];
            System.Action leftOutside = () => ByteRange.ConstantTimeEquals(four, 1, new byte[8], 0, 4);
            System.Action rightOutside = () => ByteRange.ConstantTimeEquals(new byte[8], 0, four, 1, 4);
            Assert.AreEqual("offset", ThrownArgument.Name(leftOutside));
            Assert.AreEqual("offset", ThrownArgument.Name(rightOutside));
            bool emptyRangesEqual = ByteRange.ConstantTimeEquals(four, 4, new byte[1], 1, 0);
            Assert.IsTrue(emptyRangesEqual);
        }
    }
}
