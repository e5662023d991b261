using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Tests.Support;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class ThrottleCommandParserTests
    {
        private const long Now = 1795341600;

        // One hour after Now, as a JSON string.
        private const string InAnHour = "\"2026-11-22T11:00:00Z\"";

        [TestMethod]
        public void TryParse_ValidCommand_GivesRateAndEnd()
        {
            ThrottleCommand command = Parse(Command("6", InAnHour), DocumentStatus.Valid);
            Assert.AreEqual(6, command.RatePerHour);
            Assert.AreEqual(Now + 3600, command.UntilUtc);
            Assert.AreEqual(600000L, command.MinIntervalMs);
        }

        // The commands {"rate":<rate>,"until":<until>} with one bad value; built by Command to keep the string table small.
        [DataRow("-1", InAnHour, (int)DocumentStatus.InvalidValue)]
        [DataRow("0", InAnHour, (int)DocumentStatus.InvalidValue)]
        [DataRow("3601", InAnHour, (int)DocumentStatus.InvalidValue)]
        [DataRow("99999999999999999999", InAnHour, (int)DocumentStatus.SyntaxError)]
        [DataRow("\"6\"", InAnHour, (int)DocumentStatus.InvalidValue)]
        [DataRow("6.5", InAnHour, (int)DocumentStatus.SyntaxError)]
        [DataRow("6", "\"2026-11-22T09:59:59Z\"", (int)DocumentStatus.InvalidValue)]
        [DataRow("6", "\"2026-11-22T10:00:00Z\"", (int)DocumentStatus.InvalidValue)]
        [DataRow("6", "\"2026-11-23T10:00:01Z\"", (int)DocumentStatus.InvalidValue)]
        [DataRow("6", "3600", (int)DocumentStatus.InvalidValue)]
        public void TryParse_BadRateOrEnd_IsRejected(string rate, string until, int expected)
        {
            Parse(Command(rate, until), (DocumentStatus)expected);
        }

        [DataRow("{\"rate\":6}", (int)DocumentStatus.MissingField)]
        [DataRow("{\"rate\":6,\"until\":\"2026-11-22T11:00:00Z\",\"why\":\"x\"}", (int)DocumentStatus.UnknownField)]
        [DataRow("{\"rate\":6,\"rate\":7,\"until\":\"2026-11-22T11:00:00Z\"}", (int)DocumentStatus.DuplicateField)]
        [DataRow("[6]", (int)DocumentStatus.InvalidValue)]
        [DataRow("{\"rate\":6,\"until\":\"2026-11-22T11:00:00Z\"}x", (int)DocumentStatus.SyntaxError)]
        [DataRow("", (int)DocumentStatus.SyntaxError)]
        public void TryParse_MalformedCommands_AreRejected(string text, int expected)
        {
            Parse(text, (DocumentStatus)expected);
        }

        [TestMethod]
        public void TryParse_EndNotAhead_RejectedNamingUntil()
        {
            ThrottleCommandParser parser = new ThrottleCommandParser();
            byte[] payload = TestBytes.Utf8(Command("6", "\"2026-11-22T10:00:00Z\""));
            ThrottleCommand command;
            parser.TryParse(payload, 0, payload.Length, Now, out command);
            Assert.AreEqual("until", parser.Reader.ErrorField);
        }

        [TestMethod]
        public void TryParse_EndExactly24HoursAheadIn256Bytes_IsValid()
        {
            string text = Command("3600", "\"2026-11-23T10:00:00Z\"");
            while (text.Length < ThrottleCommandParser.MaxPayloadBytes)
            {
                text = " " + text;
            }

            ThrottleCommand command = Parse(text, DocumentStatus.Valid);
            Assert.AreEqual(Now + 86400, command.UntilUtc);
        }

        [TestMethod]
        public void TryParse_Oversized_IsRejectedUnread()
        {
            byte[] payload = new byte[ThrottleCommandParser.MaxPayloadBytes + 1];
            ThrottleCommand command;
            DocumentStatus status = new ThrottleCommandParser().TryParse(payload, 0, payload.Length, Now, out command);
            Assert.AreEqual((int)DocumentStatus.TooLarge, (int)status);
        }

        private static string Command(string rate, string until)
        {
            return "{\"rate\":" + rate + ",\"until\":" + until + "}";
        }

        private static ThrottleCommand Parse(string text, DocumentStatus expected)
        {
            byte[] payload = TestBytes.Utf8(text);
            ThrottleCommand command;
            DocumentStatus status = new ThrottleCommandParser().TryParse(payload, 0, payload.Length, Now, out command);
            Assert.AreEqual((int)expected, (int)status, text);
            Assert.AreEqual(expected == DocumentStatus.Valid, command != null);
            return command;
        }
    }
}
