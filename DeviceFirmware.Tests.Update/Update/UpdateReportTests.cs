using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class UpdateReportTests
    {
        // A boot, an event and an outcome are one event each; a failed attempt is no event but counts as a failure.
        [TestMethod]
        public void Events_BootEventOutcomeAndFailure_ThreeEventsOneFailure()
        {
            UpdateStatistics statistics = new UpdateStatistics();
            UpdateReport report = new UpdateReport(statistics);
            report.Booted(UpdateOutcome.None);
            report.Event();
            report.Record(UpdateOutcome.Staged, null);
            report.Failed("timeout");
            int events = report.Events;
            Assert.AreEqual(3, events);
            int failures = statistics.DownloadFailures;
            Assert.AreEqual(1, failures);
        }
    }
}
