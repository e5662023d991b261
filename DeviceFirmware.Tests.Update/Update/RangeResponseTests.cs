using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class RangeResponseTests
    {
        [DataRow(200, 500, "", 0, (int)DownloadStatus.Ok, 500)]
        [DataRow(200, -1, "", 0, (int)DownloadStatus.Ok, -1)]
        [DataRow(200, 500, "", 100, (int)DownloadStatus.RangeIgnored, -1)]
        [DataRow(206, 400, "bytes 100-499/500", 100, (int)DownloadStatus.Ok, 400)]
        [DataRow(206, -1, "bytes 100-499/*", 100, (int)DownloadStatus.Ok, 400)]
        [DataRow(206, 400, "bytes 0-399/500", 100, (int)DownloadStatus.ServerError, -1)]
        [DataRow(206, 300, "bytes 100-499/500", 100, (int)DownloadStatus.ServerError, -1)]
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
    }
}
