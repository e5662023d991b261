using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Scalar25519Tests
    {
        // MultiplyAdd must not depend on what the caller's scratch held: the signer reuses one scratch for every reduction.
        [TestMethod]
        public void MultiplyAdd_DirtyScratch_SameResultAsAClearOne()
        {
            byte[] a = TestBytes.Pattern(32);
            byte[] clean = new byte[32];
            byte[] dirty = new byte[32];
            Scalar25519.MultiplyAdd(clean, 0, a, 0, a, 0, a, 0, new long[Scalar25519.ScratchSize]);
            long[] scratch = new long[Scalar25519.ScratchSize];
            for (int i = 0; i < scratch.Length; i++)
            {
                scratch[i] = 0x12345 + i;
            }

            Scalar25519.MultiplyAdd(dirty, 0, a, 0, a, 0, a, 0, scratch);
            CollectionAssert.AreEqual(clean, dirty);
        }

        [TestMethod]
        public void Methods_RangeOutsideTheBuffer_Throw()
        {
            long[] s = new long[Scalar25519.ScratchSize];
            byte[] x = new byte[32];
            byte[] shortX = new byte[31];
            System.Type range = typeof(System.ArgumentOutOfRangeException);
            Assert.ThrowsException(range, () => Scalar25519.IsCanonical(shortX, 0));
            Assert.ThrowsException(range, () => Scalar25519.ReduceWide(new byte[63], 0, x, 0, s));
            Assert.ThrowsException(range, () => Scalar25519.ReduceWide(new byte[64], 0, shortX, 0, s));
            Assert.ThrowsException(range, () => Scalar25519.MultiplyAdd(shortX, 0, x, 0, x, 0, x, 0, s));
            Assert.ThrowsException(range, () => Scalar25519.MultiplyAdd(x, 0, shortX, 0, x, 0, x, 0, s));
            Assert.ThrowsException(range, () => Scalar25519.MultiplyAdd(x, 0, x, 0, shortX, 0, x, 0, s));
            Assert.ThrowsException(range, () => Scalar25519.MultiplyAdd(x, 0, x, 0, x, 0, shortX, 0, s));
        }

        [TestMethod]
        public void Methods_ScratchNullOrShort_ThrowArgumentException()
        {
            byte[] x = new byte[32];
            long[] shortScratch = new long[Scalar25519.ScratchSize - 1];
            System.Type bad = typeof(System.ArgumentException);
            Assert.ThrowsException(bad, () => Scalar25519.ReduceWide(new byte[64], 0, x, 0, null));
            Assert.ThrowsException(bad, () => Scalar25519.ReduceWide(new byte[64], 0, x, 0, shortScratch));
            Assert.ThrowsException(bad, () => Scalar25519.MultiplyAdd(x, 0, x, 0, x, 0, x, 0, null));
            Assert.ThrowsException(bad, () => Scalar25519.MultiplyAdd(x, 0, x, 0, x, 0, x, 0, shortScratch));
        }
    }
}
