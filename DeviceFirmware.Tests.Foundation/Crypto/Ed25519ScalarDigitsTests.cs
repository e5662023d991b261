using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Ed25519ScalarDigitsTests
    {
        [TestMethod]
        public void Recode_Zero_HasNoDigitAndReturnsMinusOne()
        {
            sbyte[] digits = new sbyte[Ed25519ScalarDigits.DigitCount];
            digits[3] = 1;
            int top = Ed25519ScalarDigits.Recode(new byte[32], 0, digits);
            Assert.AreEqual(-1, top);
            int third = digits[3];
            Assert.AreEqual(0, third);
        }

        [TestMethod]
        public void Recode_NotBelow2To255OrOutsideTheBuffer_Throws()
        {
            sbyte[] digits = new sbyte[Ed25519ScalarDigits.DigitCount];
            byte[] allOnes = new byte[32];
            for (int i = 0; i < 32; i++)
            {
                allOnes[i] = 0xff;
            }

            System.Type range = typeof(System.ArgumentOutOfRangeException);
            Assert.ThrowsException(range, () => Ed25519ScalarDigits.Recode(allOnes, 0, digits));
            Assert.ThrowsException(range, () => Ed25519ScalarDigits.Recode(new byte[31], 0, digits));
        }
    }
}
