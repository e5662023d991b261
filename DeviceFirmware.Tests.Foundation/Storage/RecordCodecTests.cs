using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Storage
{
    [TestClass]
    public class RecordCodecTests
    {
        [TestMethod]
        public void WriteThenRead_EveryFieldType_RoundTrips_GoldenBytes()
        {
            RecordWriter writer = new RecordWriter(new byte[32]);
            writer.WriteByte(0xAB);
            writer.WriteInt32(-2);
            writer.WriteInt64(0x0102030405060708L);
            writer.WriteBoolean(true);
            writer.WriteAscii("ok");
            byte[] expected = new byte[] { 0xAB, 0xFF, 0xFF, 0xFF, 0xFE, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, (byte)'o', (byte)'k' };
            Assert.AreEqual(expected.Length, writer.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i], writer.Buffer[i], "byte " + i);
            }

            RecordReader reader = new RecordReader(writer.Buffer, 0, writer.Length);
            int b;
            int i32;
            long i64;
            bool flag;
            string text;
            bool read = reader.TryReadByte(out b);
            Assert.IsTrue(read);
            read = reader.TryReadInt32(out i32);
            Assert.IsTrue(read);
            read = reader.TryReadInt64(out i64);
            Assert.IsTrue(read);
            read = reader.TryReadBoolean(out flag);
            Assert.IsTrue(read);
            read = reader.TryReadAscii(out text);
            Assert.IsTrue(read);
            Assert.AreEqual(0xAB, b);
            Assert.AreEqual(-2, i32);
            Assert.AreEqual(0x0102030405060708L, i64);
            Assert.IsTrue(flag);
            Assert.AreEqual("ok", text);
            Assert.AreEqual(0, reader.Remaining);
        }

        [TestMethod]
        public void Read_PastTheEndOrBadValues_IsFalseNotAnException()
        {
            RecordReader reader = new RecordReader(new byte[] { 2, (byte)'a' }, 0, 2);
            string text;
            bool read = reader.TryReadAscii(out text);
            Assert.IsFalse(read);
            int value;
            read = new RecordReader(new byte[3], 0, 3).TryReadInt32(out value);
            Assert.IsFalse(read);
            bool flag;
            read = new RecordReader(new byte[] { 7 }, 0, 1).TryReadBoolean(out flag);
            Assert.IsFalse(read);
            Assert.IsFalse(flag);
        }

        [TestMethod]
        public void Read_PastTheEndOfEachField_IsFalseAndConsumesNothing()
        {
            int b;
            bool read = new RecordReader(new byte[1], 1, 0).TryReadByte(out b);
            Assert.IsFalse(read);
            long i64;
            RecordReader seven = new RecordReader(new byte[7], 0, 7);
            read = seven.TryReadInt64(out i64);
            Assert.IsFalse(read);
            Assert.AreEqual(7, seven.Remaining);
            byte[] copy = new byte[8];
            read = seven.TryReadBytes(copy, 0, 8);
            Assert.IsFalse(read);
            read = seven.TryReadBytes(copy, 0, 3);
            Assert.IsTrue(read);
            Assert.AreEqual(4, seven.Remaining);
        }

        [TestMethod]
        public void Read_FieldEndingExactlyAtTheEnd_IsRead()
        {
            // A record's last field ends where its range ends; each range here starts inside a larger buffer.
            byte[] bytes = new byte[] { 9, 0xAA, 0, 0, 1, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
            int b;
            int i32;
            long i64;
            bool flag;
            byte[] copy = new byte[3];
            bool byteRead = new RecordReader(bytes, 1, 1).TryReadByte(out b);
            bool flagRead = new RecordReader(bytes, 6, 1).TryReadBoolean(out flag);
            bool int32Read = new RecordReader(bytes, 2, 4).TryReadInt32(out i32);
            RecordReader reader = new RecordReader(bytes, 6, 8);
            bool int64Read = reader.TryReadInt64(out i64);
            Assert.AreEqual(0, reader.Remaining);
            reader.Reset(bytes, 12, 3);
            bool bytesRead = reader.TryReadBytes(copy, 0, 3);
            Assert.IsTrue(byteRead && flagRead && int32Read && int64Read && bytesRead);
            Assert.AreEqual(0xAA, b);
            Assert.IsTrue(flag);
            Assert.AreEqual(0x105, i32);
            Assert.AreEqual(0x0102030405060708L, i64);
            Assert.AreEqual(9, (int)copy[2]);
            Assert.AreEqual(0, reader.Remaining);
        }

        [TestMethod]
        public void Read_ShortRangeInsideALargerBuffer_IsFalse()
        {
            // The buffer goes on past each range: a reader that checked the buffer instead of its range would read on.
            byte[] bytes = new byte[24];
            int i32;
            long i64;
            bool int32Read = new RecordReader(bytes, 8, 3).TryReadInt32(out i32);
            bool int64Read = new RecordReader(bytes, 8, 7).TryReadInt64(out i64);
            bool bytesRead = new RecordReader(bytes, 8, 3).TryReadBytes(new byte[4], 0, 4);
            Assert.IsFalse(int32Read || int64Read || bytesRead);
        }

        [TestMethod]
        public void TryReadAscii_ByteAbove127_IsFalse()
        {
            RecordReader reader = new RecordReader(new byte[] { 2, (byte)'a', 200 }, 0, 3);
            string text;
            bool read = reader.TryReadAscii(out text);
            Assert.IsFalse(read);
            Assert.IsNull(text);
            reader.Reset(new byte[] { 2, (byte)'a', 127 }, 0, 3);
            read = reader.TryReadAscii(out text);
            Assert.IsTrue(read);
        }

        [TestMethod]
        public void WriteAscii_NullOr255Characters_AreWritten()
        {
            RecordWriter writer = new RecordWriter(new byte[300]);
            writer.WriteAscii(null);
            Assert.AreEqual(1, writer.Length);
            Assert.AreEqual(0, (int)writer.Buffer[0]);
            writer.WriteAscii(new string('x', 255));
            Assert.AreEqual(257, writer.Length);
            Assert.AreEqual(255, (int)writer.Buffer[1]);
        }

        [TestMethod]
        public void Writer_NullBufferOrNonAsciiText_Throws()
        {
            System.Action noBuffer = () => new RecordWriter(null);
            Assert.ThrowsException(typeof(System.ArgumentNullException), noBuffer);
            Assert.AreEqual("buffer", ThrownArgument.Name(noBuffer));
            RecordWriter writer = new RecordWriter(new byte[8]);
            System.Action nonAscii = () => writer.WriteAscii("a\u00e9");
            Assert.ThrowsException(typeof(System.ArgumentException), nonAscii);
            Assert.AreEqual("value", ThrownArgument.Name(nonAscii));
            System.Action tooLong = () => writer.WriteAscii(new string('x', 256));
            Assert.AreEqual("value", ThrownArgument.Name(tooLong));
            RecordWriter del = new RecordWriter(new byte[2]);
            del.WriteAscii("\u007f");
            Assert.AreEqual(127, (int)del.Buffer[1]);
        }

        [TestMethod]
        public void Ranges_OutsideTheBuffer_Throw()
        {
            System.Action reader = () => new RecordReader(new byte[2], 1, 2);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), reader);
            System.Action into = () => new RecordReader(new byte[4], 0, 4).TryReadBytes(new byte[2], 1, 2);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), into);
            System.Action from = () => new RecordWriter(new byte[8]).WriteBytes(new byte[2], 1, 2);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), from);
        }

        [TestMethod]
        public void Write_PastTheBuffer_Throws()
        {
            RecordWriter writer = new RecordWriter(new byte[3]);
            System.Action writePastTheEnd = () => writer.WriteInt32(1);
            Assert.ThrowsException(typeof(System.InvalidOperationException), writePastTheEnd);
            System.Action[] pastTheEnd = new System.Action[]
            {
                () => new RecordWriter(new byte[0]).WriteByte(1),
                () => new RecordWriter(new byte[7]).WriteInt64(1),
                () => new RecordWriter(new byte[3]).WriteAscii("abc"),
                () => new RecordWriter(new byte[2]).WriteBytes(new byte[3], 0, 3),
            };
            for (int i = 0; i < pastTheEnd.Length; i++)
            {
                Assert.ThrowsException(typeof(System.InvalidOperationException), pastTheEnd[i], "write " + i);
            }

            RecordWriter exact = new RecordWriter(new byte[4]);
            exact.WriteInt32(1);
            Assert.AreEqual(4, exact.Length);
            System.Action writeLongText = () => new RecordWriter(new byte[300]).WriteAscii(new string('x', 256));
            Assert.ThrowsException(typeof(System.ArgumentException), writeLongText);
        }

        [TestMethod]
        public void Write_RefusedValue_MessageSaysWhy()
        {
            // What a developer reads in the log when a record layout outgrows its buffer or a field breaks the format.
            string full = Message(() => new RecordWriter(new byte[3]).WriteInt32(1));
            Assert.IsTrue(full.IndexOf("record buffer of 3 bytes is too small") >= 0, full);
            string longText = Message(() => new RecordWriter(new byte[300]).WriteAscii(new string('x', 256)));
            Assert.IsTrue(longText.IndexOf("record strings are at most 255 characters") >= 0, longText);
            string nonAscii = Message(() => new RecordWriter(new byte[8]).WriteAscii("a\u00e9"));
            Assert.IsTrue(nonAscii.IndexOf("record strings are ASCII") >= 0, nonAscii);
        }

        private static string Message(System.Action action)
        {
            try
            {
                action();
            }
            catch (System.Exception e)
            {
                return e.Message;
            }

            return "(none)";
        }
    }
}
