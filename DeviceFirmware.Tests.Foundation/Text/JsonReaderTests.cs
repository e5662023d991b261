using nanoFramework.TestFramework;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Text
{
    [TestClass]
    public class JsonReaderTests
    {
        [TestMethod]
        public void Read_NestedDocument_YieldsTokensInOrder()
        {
            JsonReader reader = Reader("{\"a\":[1,-2,true,false,null,\"x\"],\"b\":{}, \"c\" : [ ] }");
            Expect(reader, JsonToken.StartObject);
            ExpectName(reader, "a");
            Expect(reader, JsonToken.StartArray);
            ExpectInteger(reader, 1);
            ExpectInteger(reader, -2);
            Expect(reader, JsonToken.Boolean);
            bool value = reader.BooleanValue;
            Assert.IsTrue(value);
            Expect(reader, JsonToken.Boolean);
            value = reader.BooleanValue;
            Assert.IsFalse(value);
            Expect(reader, JsonToken.Null);
            Expect(reader, JsonToken.String);
            string text = reader.StringValue;
            Assert.AreEqual("x", text);
            Expect(reader, JsonToken.EndArray);
            ExpectName(reader, "b");
            Expect(reader, JsonToken.StartObject);
            Expect(reader, JsonToken.EndObject);
            ExpectName(reader, "c");
            Expect(reader, JsonToken.StartArray);
            Expect(reader, JsonToken.EndArray);
            Expect(reader, JsonToken.EndObject);
            Expect(reader, JsonToken.EndOfDocument);
            Expect(reader, JsonToken.EndOfDocument);
            JsonStatus status = reader.Status;
            Assert.AreEqual((int)JsonStatus.Ok, (int)status);
        }

        [TestMethod]
        public void Read_IntegerLimits_AreExact()
        {
            ExpectSingleInteger("9223372036854775807", long.MaxValue);
            ExpectSingleInteger("-9223372036854775808", long.MinValue);
            ExpectSingleInteger("0", 0);
            ExpectSingleInteger("-0", 0);
        }

        [DataRow("9223372036854775808")]
        [DataRow("-9223372036854775809")]
        [DataRow("01")]
        [DataRow("1.5")]
        [DataRow("1e3")]
        [DataRow("1E3")]
        [DataRow("-")]
        [DataRow("-a")]
        [DataRow("12abc")]
        public void Read_NumbersOutsideTheSubset_AreBadNumbers(string text)
        {
            JsonReader reader = Reader(text);
            reader.Read();
            Assert.AreNotEqual((int)JsonStatus.Ok, (int)reader.Status, text);
            Assert.AreEqual(JsonToken.None.ToString(), reader.Token.ToString(), text);
        }

        [TestMethod]
        public void Read_Escapes_AreDecoded()
        {
            JsonReader reader = Reader("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"");
            Expect(reader, JsonToken.String);

            // ToCharArray, not value[i]: nanoCLR's string indexer returns the high surrogate at the low one's position.
            char[] chars = reader.StringValue.ToCharArray();
            CollectionAssert.AreEqual("a\"b\\c/d\b\f\n\r\t\u00e9\ud83d\ude00".ToCharArray(), chars);
        }

        [TestMethod]
        public void Read_Utf8_IsDecodedStrictly()
        {
            // U+00E9, U+20AC and U+1F600 in UTF-8. Byte vectors are given in hex: an array initializer would store a
            // 64-character name in the string table.
            byte[] valid = Hex.Decode("22C3A9E282ACF09F988022");
            JsonReader reader = new JsonReader(4, 16);
            reader.Reset(valid, 0, valid.Length);
            Expect(reader, JsonToken.String);
            int length = reader.StringLength;
            Assert.AreEqual(4, length);
            string value = reader.StringValue;
            char first = value[0];
            Assert.AreEqual((char)0xE9, first);
            char second = value[1];
            Assert.AreEqual((char)0x20AC, second);

            // Overlong '/', an encoded surrogate, a stray continuation byte, a truncated sequence, a code point above U+10FFFF.
            ExpectBadString("22C0AF22");
            ExpectBadString("22EDA08022");
            ExpectBadString("228022");
            ExpectBadString("22E28222");
            ExpectBadString("22F490808022");
        }

        [DataRow("\"\\x\"", 1)]
        [DataRow("\"\\udc00\"", 7)]
        [DataRow("\"\\ud800x\"", 7)]
        [DataRow("\"tab\there\"", 4)]
        public void Read_BadStrings_ReportOffset(string text, int offset)
        {
            JsonReader reader = Reader(text);
            reader.Read();
            Assert.AreEqual((int)JsonStatus.BadString, (int)reader.Status, text);
            Assert.AreEqual(offset, reader.ErrorOffset, text);
        }

        [DataRow("{\"a\":1,}", 7, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("[1,]", 3, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("{\"a\" 1}", 5, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("{\"a\":1 \"b\":2}", 7, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("[1] [2]", 4, (int)JsonStatus.TrailingContent)]
        [DataRow("{\"a\":", 5, (int)JsonStatus.UnexpectedEnd)]
        [DataRow("\"abc", 4, (int)JsonStatus.UnexpectedEnd)]
        [DataRow("", 0, (int)JsonStatus.UnexpectedEnd)]
        [DataRow("tru", 0, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("nullx", 0, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("{'a':1}", 1, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("[1 2]", 3, (int)JsonStatus.UnexpectedCharacter)]
        [DataRow("{\"a\":1]", 6, (int)JsonStatus.UnexpectedCharacter)]
        public void Read_MalformedDocuments_FailAtTheRightByte(string text, int offset, int status)
        {
            JsonReader reader = Reader(text);
            int guard = 0;
            while (reader.Read() != JsonToken.None && reader.Token != JsonToken.EndOfDocument && guard++ < 100)
            {
            }

            Assert.AreEqual(status, (int)reader.Status, text);
            Assert.AreEqual(offset, reader.ErrorOffset, text);
            Assert.AreEqual((int)JsonToken.None, (int)reader.Read(), "reads after an error stay failed");
        }

        [TestMethod]
        public void Read_ByteOrderMark_IsRejected()
        {
            byte[] data = Hex.Decode("EFBBBF7B7D");
            JsonReader reader = new JsonReader(4, 16);
            reader.Reset(data, 0, data.Length);
            Expect(reader, JsonToken.None);
            JsonStatus status = reader.Status;
            Assert.AreEqual((int)JsonStatus.UnexpectedCharacter, (int)status);
        }

        [TestMethod]
        public void Read_DepthLimit_IsEnforced()
        {
            JsonReader reader = Reader("[[[[1]]]]", 4);
            for (int i = 0; i < 4; i++)
            {
                Expect(reader, JsonToken.StartArray);
            }

            reader = Reader("[[[[[1]]]]]", 4);
            for (int i = 0; i < 4; i++)
            {
                Expect(reader, JsonToken.StartArray);
            }

            Expect(reader, JsonToken.None);
            JsonStatus status = reader.Status;
            Assert.AreEqual((int)JsonStatus.TooDeep, (int)status);
            int position = reader.ErrorOffset;
            Assert.AreEqual(4, position);
        }

        [TestMethod]
        public void Read_StringLimit_CountsCharacters()
        {
            JsonReader reader = new JsonReader(2, 3);
            byte[] fits = TestBytes.Utf8("\"abc\"");
            reader.Reset(fits, 0, fits.Length);
            Expect(reader, JsonToken.String);
            byte[] tooLong = TestBytes.Utf8("\"abcd\"");
            reader.Reset(tooLong, 0, tooLong.Length);
            reader.Read();
            JsonStatus status = reader.Status;
            Assert.AreEqual((int)JsonStatus.StringTooLong, (int)status);
        }

        [TestMethod]
        public void Read_RangeInsideLargerBuffer_ReportsRelativeOffsets()
        {
            byte[] data = TestBytes.Utf8("xxxx{\"a\":tru}yyyy");
            JsonReader reader = new JsonReader(4, 16);
            reader.Reset(data, 4, 9);
            Expect(reader, JsonToken.StartObject);
            ExpectName(reader, "a");
            reader.Read();
            int position = reader.ErrorOffset;
            Assert.AreEqual(5, position);
        }

        [TestMethod]
        public void SkipValue_SkipsWholeContainers()
        {
            JsonReader reader = Reader("{\"skip\":{\"x\":[1,{\"y\":2}]},\"keep\":7}");
            Expect(reader, JsonToken.StartObject);
            ExpectName(reader, "skip");
            bool skipped = reader.SkipValue();
            Assert.IsTrue(skipped);
            ExpectName(reader, "keep");
            ExpectInteger(reader, 7);
            Expect(reader, JsonToken.EndObject);
        }

        [TestMethod]
        public void StringEquals_ComparesWithoutAllocating()
        {
            JsonReader reader = Reader("\"hello\"");
            reader.Read();
            bool equal = reader.StringEquals("hello");
            Assert.IsTrue(equal);
            equal = reader.StringEquals("hell");
            Assert.IsFalse(equal);
            equal = reader.StringEquals("hellO");
            Assert.IsFalse(equal);
            equal = reader.StringEquals(null);
            Assert.IsFalse(equal);
        }

        [TestMethod]
        public void Constructor_BadLimits_Throw()
        {
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), NewReaderWithoutDepth);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), NewReaderWithoutStringRoom);
        }

        private static void NewReaderWithoutDepth()
        {
            new JsonReader(0, 10);
        }

        private static void NewReaderWithoutStringRoom()
        {
            new JsonReader(4, 0);
        }

        private static JsonReader Reader(string text)
        {
            return Reader(text, 8);
        }

        private static JsonReader Reader(string text, int depth)
        {
            JsonReader reader = new JsonReader(depth, 64);
            byte[] data = TestBytes.Utf8(text);
            reader.Reset(data, 0, data.Length);
            return reader;
        }

        private static void Expect(JsonReader reader, JsonToken token)
        {
            JsonToken read = reader.Read();
            Assert.AreEqual((int)token, (int)read);
        }

        private static void ExpectName(JsonReader reader, string name)
        {
            Expect(reader, JsonToken.PropertyName);
            string text = reader.StringValue;
            Assert.AreEqual(name, text);
        }

        private static void ExpectInteger(JsonReader reader, long value)
        {
            Expect(reader, JsonToken.Integer);
            long actual = reader.IntegerValue;
            Assert.AreEqual(value, actual);
        }

        private static void ExpectSingleInteger(string text, long value)
        {
            JsonReader reader = Reader(text);
            ExpectInteger(reader, value);
            Expect(reader, JsonToken.EndOfDocument);
        }

        private static void ExpectBadString(string hex)
        {
            byte[] data = Hex.Decode(hex);
            JsonReader reader = new JsonReader(4, 16);
            reader.Reset(data, 0, data.Length);
            reader.Read();
            JsonStatus status = reader.Status;
            Assert.AreEqual((int)JsonStatus.BadString, (int)status);
        }
    }
}
