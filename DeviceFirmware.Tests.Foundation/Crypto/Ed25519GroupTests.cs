using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Ed25519GroupTests
    {
        // -P has P's y and the opposite x: its encoding is P's with the sign bit flipped, and P itself is unchanged.
        // P = 2B, whose projective Z is not 1 (a decoded point's is), so every coordinate must be copied.
        [TestMethod]
        public void Negate_IntoAnotherPoint_FlipsOnlyTheSignBit()
        {
            Ed25519Group group = new Ed25519Group();
            Ed25519Point b = new Ed25519Point();
            group.TryDecode(b, Ed25519Group.EncodedBasePoint, 0);
            Ed25519Point p = new Ed25519Point();
            group.Double(p, b, true);
            byte[] expected = new byte[32];
            group.Encode(expected, 0, p);
            Ed25519Point negated = new Ed25519Point();
            negated.SetIdentity();
            group.Negate(negated, p);
            byte[] encoded = new byte[32];
            group.Encode(encoded, 0, negated);
            expected[31] ^= 0x80;
            CollectionAssert.AreEqual(expected, encoded);
            expected[31] ^= 0x80;
            group.Encode(encoded, 0, p);
            CollectionAssert.AreEqual(expected, encoded);
        }

        // (0, -1) has order 2: X = 0 but Y != Z. Asked right after the identity, whose check leaves Y - Z = 0 in scratch.
        [TestMethod]
        public void IsIdentity_OrderTwoPointAfterTheIdentity_IsFalse()
        {
            Ed25519Group group = new Ed25519Group();
            byte[] minusOne = new byte[32];
            for (int i = 0; i < 31; i++)
            {
                minusOne[i] = 0xff;
            }

            minusOne[0] = 0xec;
            minusOne[31] = 0x7f;
            Ed25519Point orderTwo = new Ed25519Point();
            Ed25519DecodeStatus status = group.TryDecode(orderTwo, minusOne, 0);
            Assert.AreEqual((int)Ed25519DecodeStatus.Decoded, (int)status);
            Ed25519Point identity = new Ed25519Point();
            identity.SetIdentity();
            Assert.IsTrue(group.IsIdentity(identity));
            Assert.IsFalse(group.IsIdentity(orderTwo));
            Assert.IsTrue(group.IsSmallOrder(orderTwo));
        }

        [TestMethod]
        public void ScalarMultiplyBase_ScalarOutsideTheBuffer_Throws()
        {
            Ed25519Group group = new Ed25519Group();
            Ed25519CachedPoint[] table = Ed25519Group.NewTable(Ed25519Group.WindowTableSize);
            Ed25519Point point = new Ed25519Point();
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), () => group.ScalarMultiplyBase(point, new byte[31], 0, table));
        }
    }
}
