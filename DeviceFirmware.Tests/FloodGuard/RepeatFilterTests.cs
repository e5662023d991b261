using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class RepeatFilterTests
    {
        [TestMethod]
        public void IdenticalInvalidReadings_AreReportedOnceAndCounted()
        {
            RepeatFilter filter = new RepeatFilter();
            bool report = filter.ShouldReportInvalid(0, 4095);
            Assert.IsTrue(report);
            for (int i = 0; i < 50; i++)
            {
                report = filter.ShouldReportInvalid(0, 4095);
                Assert.IsFalse(report);
            }

            Assert.AreEqual(50, filter.Repeats(0));
            Assert.AreEqual(50, filter.Suppressed);
            Assert.IsTrue(filter.ShouldReportInvalid(0, 0), "a different invalid value is news");
            Assert.IsTrue(filter.ShouldReportInvalid(1, 4095), "sensors are independent");
            filter.OnValid(0);
            Assert.IsTrue(filter.ShouldReportInvalid(0, 0), "after a valid reading the streak starts over");
        }

        [TestMethod]
        public void Repeats_NewValueOrValidReading_StartsAgainAtZero()
        {
            RepeatFilter filter = new RepeatFilter();
            filter.ShouldReportInvalid(2, 7);
            filter.ShouldReportInvalid(2, 7);
            filter.ShouldReportInvalid(2, 8);
            Assert.AreEqual(0, filter.Repeats(2));
            filter.ShouldReportInvalid(2, 8);
            filter.OnValid(2);
            Assert.AreEqual(0, filter.Repeats(2));
            Assert.AreEqual(2, filter.Suppressed);
            System.Action negative = () => filter.Repeats(-1);
            Assert.AreEqual("sensor", SecureDevice.Tests.Support.ThrownArgument.Name(negative));
        }

        [TestMethod]
        public void SensorOutOfRange_Throws()
        {
            System.Action unknownSensor = () => new RepeatFilter().ShouldReportInvalid(8, 0);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), unknownSensor);
            System.Action validFromUnknown = () => new RepeatFilter().OnValid(8);
            Assert.AreEqual("sensor", SecureDevice.Tests.Support.ThrownArgument.Name(validFromUnknown));
        }
    }
}
