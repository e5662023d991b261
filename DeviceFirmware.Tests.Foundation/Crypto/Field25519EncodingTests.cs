using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Field25519EncodingTests
    {
        // p = 2^255 - 19 is ed ff .. ff 7f little-endian. Each row is (first byte, the byte at index "at" when it is not
        // 0xff, that byte, last byte) around p: the encodings just below, at and above it, the top bit (ignored) set, and a
        // lower byte that alone makes the value smaller than p.
        [DataRow(0xec, 1, 0xff, 0x7f, true)] // p - 1
        [DataRow(0xed, 1, 0xff, 0x7f, false)] // p
        [DataRow(0xee, 1, 0xff, 0x7f, false)] // p + 1
        [DataRow(0xed, 1, 0xff, 0xff, false)] // p with the top bit set: still p
        [DataRow(0xec, 1, 0xff, 0xff, true)] // p - 1 with the top bit set
        [DataRow(0xff, 1, 0xfe, 0x7f, true)] // below p by byte 1 alone
        [DataRow(0xff, 30, 0xfe, 0x7f, true)] // below p by byte 30 alone
        [DataRow(0xff, 1, 0xff, 0x00, true)] // 2^248 - 1: every byte but the last 0xff
        [DataRow(0xff, 1, 0xff, 0x7e, true)] // below p by the last byte alone
        public void IsCanonicalEncoding_AroundP_IsBelowP(int first, int at, int value, int last, bool expected)
        {
            byte[] bytes = new byte[34];
            for (int i = 1; i < 33; i++)
            {
                bytes[i] = 0xff;
            }

            bytes[1] = (byte)first;
            bytes[1 + at] = (byte)value;
            bytes[32] = (byte)last;
            bool canonical = Field25519Encoding.IsCanonicalEncoding(bytes, 1);
            Assert.AreEqual(expected, canonical);
        }

        [TestMethod]
        public void Methods_RangeOutsideTheBuffer_Throw()
        {
            long[] h = new long[Field25519.Limbs];
            long[] scratch = new long[Field25519.Limbs];
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), () => Field25519Encoding.FromBytes(h, new byte[32], 1));
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), () => Field25519Encoding.ToBytes(new byte[32], 1, h, scratch));
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), () => Field25519Encoding.IsCanonicalEncoding(new byte[31], 0));
        }
    }
}
