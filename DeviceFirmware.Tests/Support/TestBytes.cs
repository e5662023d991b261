using System.Text;

namespace SecureDevice.Tests.Support
{
    /// <summary>Byte helpers shared by the device tests.</summary>
    public static class TestBytes
    {
        /// <summary>UTF-8 bytes of <paramref name="text"/>.</summary>
        public static byte[] Utf8(string text)
        {
            return Encoding.UTF8.GetBytes(text);
        }

        /// <summary>The deterministic pattern byte i = (7i + 3) mod 256, also used to compute the known answers with Python's hashlib.</summary>
        public static byte[] Pattern(int length)
        {
            byte[] result = new byte[length];
            for (int i = 0; i < length; i++)
            {
                result[i] = (byte)((i * 7) + 3);
            }

            return result;
        }

        /// <summary>A copy of <c>source[offset, +count)</c>.</summary>
        public static byte[] Slice(byte[] source, int offset, int count)
        {
            byte[] result = new byte[count];
            System.Array.Copy(source, offset, result, 0, count);
            return result;
        }
    }
}
