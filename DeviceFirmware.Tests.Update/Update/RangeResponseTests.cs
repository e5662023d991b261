using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class RangeResponseTests
    {
        [DataRow(200, 500, "", 0, (int)DownloadStatus.Ok, 500)]
        [DataRow(200, -1, "", 0, (int)DownloadStatus.Ok, -1)]
        [DataRow(200, 0, "", 0, (int)DownloadStatus.Ok, 0)]
        [DataRow(200, -2, "", 0, (int)DownloadStatus.Ok, -1)]
        [DataRow(200, 500, "", 100, (int)DownloadStatus.RangeIgnored, -1)]
        [DataRow(206, 400, "bytes 100-499/500", 100, (int)DownloadStatus.Ok, 400)]
        [DataRow(206, -1, "bytes 100-499/*", 100, (int)DownloadStatus.Ok, 400)]
        [DataRow(206, 400, "bytes 0-399/500", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 300, "bytes 100-499/500", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 0, "bytes 100-499/500", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 400, "bytes 100-499/499", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 400, "", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 400, "items 100-499/500", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 400, "bytes 100-499/500 ", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 400, "bytes -100-499/500", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 1, "bytes 100-99999999999999/*", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(404, -1, "", 0, (int)DownloadStatus.NotFound, -1)]
        [DataRow(410, -1, "", 0, (int)DownloadStatus.NotFound, -1)]
        [DataRow(416, -1, "bytes */500", 500, (int)DownloadStatus.RangeNotSatisfiable, -1)]
        [DataRow(302, -1, "", 0, (int)DownloadStatus.ServerError, -1)]
        [DataRow(503, -1, "", 0, (int)DownloadStatus.ServerError, -1)]
        public void Classify_Response_Status(int code, int length, string range, int offset, int expected, int remaining)
        {
            long left;
            DownloadStatus status = RangeResponse.Classify(code, length, range.Length == 0 ? null : range, offset, out left);
            Assert.AreEqual(expected, (int)status, range);
            Assert.AreEqual((long)remaining, left, range);
        }

        // Each part is its number, or -1 when it was not read or is not a number up to MaxValue (see TryParseContentRange).
        [DataRow("", false, -1L, -1L, -1L)]
        [DataRow("bytes 5", false, 5L, -1L, -1L)]
        [DataRow("bytes 0-4/10", true, 0L, 4L, 10L)]
        [DataRow("bytes 5-5/10", true, 5L, 5L, 10L)]
        [DataRow("bytes 5-3/10", false, 5L, 3L, -1L)]
        [DataRow("bytes 5-6", false, 5L, 6L, -1L)]
        [DataRow("bytes 5-6/*", true, 5L, 6L, -1L)]
        [DataRow("bytes 5-6/*x", false, 5L, 6L, -1L)]
        [DataRow("bytes 0-99999999999/*", true, 0L, 99999999999L, -1L)]
        [DataRow("bytes 999999999999-1/5", false, -1L, -1L, -1L)]
        public void TryParseContentRange_Header_Parts(string header, bool ok, long first, long last, long total)
        {
            long f;
            long l;
            long t;
            bool parsed = RangeResponse.TryParseContentRange(header, out f, out l, out t);
            Assert.AreEqual(ok, parsed, header);
            Assert.AreEqual(first, f, header);
            Assert.AreEqual(last, l, header);
            Assert.AreEqual(total, t, header);
        }
    }
}
