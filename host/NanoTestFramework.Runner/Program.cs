using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NanoTestFramework.Runner;

// dotnet NanoTestFramework.Runner.dll memory
//   Runs every nanoFramework test case of the device test assemblies (NFUnitTest, NFUnitTest.Update) in launcher order,
//   alone in this process, and prints one line per case: "<peak live bytes>\t<allocated bytes>\t<passed>\t<case id>".
//   Exit 0 when it ran (failures are data for the caller), 2 on a usage error. The cases are measured in a second pass: a
//   first, unmeasured one makes the process's one-time allocations (the host runtime's number formatting, encoding and
//   reflection data, the core's static tables) so that no case is charged for them because it happened to come first.
//   What they keep alive is the first line, in the same format, with the case id LiveMemoryProbe.OneTimeId.
// dotnet NanoTestFramework.Runner.dll calibrate
//   The same for the probe's calibration cases (ProbeCalibration), whose memory behaviour is known.
if (args.Length != 1 || (args[0] != "memory" && args[0] != "calibrate"))
{
    Console.Error.WriteLine("usage: NanoTestFramework.Runner memory|calibrate");
    return 2;
}

var probe = new LiveMemoryProbe();
var results = new List<NanoCaseResult>();
Type[] classes = args[0] == "memory" ? NanoTestRunner.DeviceRunners.SelectMany(r => r.TestClasses()).ToArray() : new[] { typeof(ProbeCalibration) };
if (args[0] == "memory")
{
    long liveBefore = LiveMemoryProbe.SettledLiveBytes();
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    bool passed = true;
    foreach (Type type in classes)
    {
        passed &= NanoTestRunner.RunClass(type, null).Values.All(r => r.Passed);
    }

    long oneTime = LiveMemoryProbe.SettledLiveBytes() - liveBefore;
    Console.WriteLine(oneTime.ToString(CultureInfo.InvariantCulture) + "\t" + (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore).ToString(CultureInfo.InvariantCulture)
        + "\t" + (passed ? "passed" : "failed") + "\t" + LiveMemoryProbe.OneTimeId);
}

foreach (Type type in classes)
{
    results.AddRange(NanoTestRunner.RunClass(type, probe).Values);
}

var byCase = new Dictionary<string, NanoCaseResult>(StringComparer.Ordinal);
foreach (NanoCaseResult result in results)
{
    byCase[result.CaseId] = result;
}

foreach (LiveMemory measured in probe.Results)
{
    NanoCaseResult result = byCase[measured.CaseId];
    Console.WriteLine(measured.PeakLiveBytes.ToString(CultureInfo.InvariantCulture) + "\t" + result.AllocatedBytes.ToString(CultureInfo.InvariantCulture)
        + "\t" + (result.Passed ? "passed" : "failed") + "\t" + measured.CaseId);
}

return 0;
