using nanoFramework.TestFramework;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Text
{
    [TestClass]
    public class UtcTimestampTests
    {
        // Known answers from `date -u -d ... +%s`.
        [DataRow("1970-01-01T00:00:00Z", 0L)]
        [DataRow("2000-02-29T12:34:56Z", 951827696L)]
        [DataRow("2026-11-22T10:00:00Z", 1795341600L)]
        [DataRow("2038-01-19T03:14:08Z", 2147483648L)]
        [DataRow("2100-03-01T00:00:00Z", 4107542400L)]
        [DataRow("9999-12-31T23:59:59Z", 253402300799L)]
        public void TryParse_KnownDates_MatchUnixTime(string text, long expected)
        {
            long seconds;
            Assert.IsTrue(UtcTimestamp.TryParse(text, out seconds), text);
            Assert.AreEqual(expected, seconds, text);
            string actual = UtcTimestamp.Format(expected);
            Assert.AreEqual(text, actual);
        }

        [DataRow("2026-02-29T00:00:00Z")]
        [DataRow("2100-02-29T00:00:00Z")]
        [DataRow("2026-13-01T00:00:00Z")]
        [DataRow("2026-00-01T00:00:00Z")]
        [DataRow("2026-01-32T00:00:00Z")]
        [DataRow("2026-01-01T24:00:00Z")]
        [DataRow("2026-01-01T00:60:00Z")]
        [DataRow("2026-01-01T00:00:60Z")]
        [DataRow("2026-01-01t00:00:00Z")]
        [DataRow("2026-01-01T00:00:00z")]
        [DataRow("2026-01-01T00:00:00+00:00")]
        [DataRow("2026-01-01T00:00:00.5Z")]
        [DataRow("1969-12-31T23:59:59Z")]
        [DataRow("2026-1-01T00:00:00Z ")]
        [DataRow("+026-01-01T00:00:00Z")]
        [DataRow("")]
        public void TryParse_OtherForms_AreRejected(string text)
        {
            long seconds;
            Assert.IsFalse(UtcTimestamp.TryParse(text, out seconds), text);
        }

        [TestMethod]
        public void FormatThenParse_RoundTripsRandomTimes()
        {
            TestRandom random = new TestRandom(3339);
            for (int i = 0; i < 500; i++)
            {
                long value = ((long)random.NextUInt() << 6) % 253402300800L;
                long parsed;
                bool read = UtcTimestamp.TryParse(UtcTimestamp.Format(value), out parsed);
                Assert.IsTrue(read);
                Assert.AreEqual(value, parsed);
            }
        }

        [TestMethod]
        public void Format_OutOfRange_Throws()
        {
            System.Action formatBefore1970 = () => UtcTimestamp.Format(-1);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), formatBefore1970);
            System.Action formatAfter9999 = () => UtcTimestamp.Format(253402300800L);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), formatAfter9999);
        }
    }
}
