using System.Collections.Generic;
using System.Linq;
using Xunit;
using NanoTestFramework.Runner;
using Xunit.Abstractions;

namespace SecureDevice.Tests.NanoTestHost;

/// <summary>Every nanoFramework test case in DeviceFirmware.Tests, one xunit case each (Setup and Cleanup included, as on the device).</summary>
public sealed class NanoTests
{
    private readonly ITestOutputHelper _output;

    public NanoTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => NanoTestRunner.Default.DiscoverCaseIds().Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run(string caseId)
    {
        NanoCaseResult result = NanoTestRunner.Default.Result(caseId);
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
        // Guards the runner itself: an empty or broken discovery would make every other case vanish silently.
        Assert.True(NanoTestRunner.Default.DiscoverCaseIds().Count() > 20, "too few nanoFramework test cases discovered");
    }
}
