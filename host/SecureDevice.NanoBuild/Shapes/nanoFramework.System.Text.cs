// The shape of nanoFramework.System.Text 1.3.42: return types and statics (the listing's doc-IDs carry neither).
// Only declarations; ListingReferenceBuilder checks every member against nanoFramework.System.Text.txt.
namespace System.Text
{
    public abstract class Decoder
    {
        protected Decoder();
        public virtual void Convert(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex, int charCount, bool flush, out int bytesUsed, out int charsUsed, out bool completed);
    }

    public abstract class Encoding
    {
        protected Encoding();
        public static Encoding UTF8 { get; }
        public virtual byte[] GetBytes(string s);
        public virtual int GetBytes(string s, int charIndex, int charCount, byte[] bytes, int byteIndex);
        public virtual char[] GetChars(byte[] bytes);
        public virtual char[] GetChars(byte[] bytes, int byteIndex, int byteCount);
        public virtual Decoder GetDecoder();
        public virtual string GetString(byte[] bytes, int index, int count);
    }

    public class UTF8Encoding : Encoding
    {
        public UTF8Encoding();
        public override byte[] GetBytes(string s);
        public override int GetBytes(string s, int charIndex, int charCount, byte[] bytes, int byteIndex);
        public override char[] GetChars(byte[] bytes);
        public override char[] GetChars(byte[] bytes, int byteIndex, int byteCount);
        public override Decoder GetDecoder();
    }

    public sealed class StringBuilder
    {
        public StringBuilder();
        public StringBuilder(int capacity);
        public StringBuilder(int capacity, int maxCapacity);
        public StringBuilder(string value);
        public StringBuilder(string value, int capacity);
        public StringBuilder(string value, int startIndex, int length, int capacity);
        public int Capacity { get; set; }
        public int Length { get; set; }
        public int MaxCapacity { get; }
        public char this[int index] { get; set; }
        public StringBuilder Append(bool value);
        public StringBuilder Append(byte value);
        public StringBuilder Append(char value);
        public StringBuilder Append(char value, int repeatCount);
        public StringBuilder Append(char[] value);
        public StringBuilder Append(char[] value, int startIndex, int charCount);
        public StringBuilder Append(double value);
        public StringBuilder Append(short value);
        public StringBuilder Append(int value);
        public StringBuilder Append(long value);
        public StringBuilder Append(object value);
        public StringBuilder Append(sbyte value);
        public StringBuilder Append(float value);
        public StringBuilder Append(string value);
        public StringBuilder Append(string value, int startIndex, int count);
        public StringBuilder Append(ushort value);
        public StringBuilder Append(uint value);
        public StringBuilder Append(ulong value);
        public StringBuilder AppendLine();
        public StringBuilder AppendLine(string str);
        public StringBuilder Clear();
        public StringBuilder Insert(int index, char[] value, int startIndex, int charCount);
        public StringBuilder Insert(int index, string value, int count);
        public StringBuilder Remove(int startIndex, int length);
        public StringBuilder Replace(char oldChar, char newChar);
        public StringBuilder Replace(char oldChar, char newChar, int startIndex, int count);
        public StringBuilder Replace(string oldValue, string newValue);
        public StringBuilder Replace(string oldValue, string newValue, int startIndex, int count);
        public override string ToString();
        public string ToString(int startIndex, int length);
    }
}
