using nanoFramework.TestFramework;
using SecureDevice.Core;

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
    }
}
