using System.Collections.Generic;
using System.Linq;
using Xunit;
using NanoTestFramework.Runner;
using Xunit.Abstractions;

namespace SecureDevice.Tests.NanoTestHost;

/// <summary>
/// Every nanoFramework test case of the device test assemblies (DeviceFirmware.Tests, DeviceFirmware.Tests.Foundation and
/// DeviceFirmware.Tests.Update, each
/// NFUnitTest on the device), one xunit case each (Setup and Cleanup included, as on the device). The case id is
/// "Namespace.Class.Method[#row]" whichever assembly holds the class, so filters by class name work across them.
/// </summary>
public sealed class NanoTests
{
    private readonly ITestOutputHelper _output;

    public NanoTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => NanoTestRunner.DiscoverDeviceCaseIds().Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run(string caseId)
    {
        NanoCaseResult result = NanoTestRunner.ForCase(caseId).Result(caseId);
        if (result.Error != null)
        {
            _output.WriteLine(result.Error.ToString());
        }

        // A skip is not a pass: tests that only make sense on a board must not hide host failures.
        Assert.False(result.Skipped, "skipped: " + result.Message);
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void Discovery_FindsTheDeviceTestSuite()
    {
        // Guards the runner itself: an empty or broken discovery would make every other case vanish silently, in either
        // assembly; a class in two would make its case ids ambiguous.
        foreach (NanoTestRunner runner in NanoTestRunner.DeviceRunners)
        {
            Assert.True(runner.DiscoverCaseIds().Count() > 20, "too few nanoFramework test cases discovered in " + runner.TestAssembly.GetName().Name);
        }

        Assert.Equal(NanoTestRunner.DeviceAssemblyNames.Count, NanoTestRunner.DeviceRunners.Count);
        var duplicates = NanoTestRunner.DiscoverDeviceCaseIds().GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "case ids in two device test assemblies: " + string.Join(", ", duplicates));
    }
}
