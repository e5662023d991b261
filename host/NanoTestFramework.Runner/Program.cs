using System;
using System.Collections.Generic;
using System.Globalization;
using NanoTestFramework.Runner;

// dotnet NanoTestFramework.Runner.dll memory
//   Runs every nanoFramework test case of NFUnitTest in launcher order, alone in this process, and prints one line per
//   case: "<peak live bytes>\t<allocated bytes>\t<passed>\t<case id>". Exit 0 when it ran (failures are data for the
//   caller), 2 on a usage error.
if (args.Length != 1 || args[0] != "memory")
{
    Console.Error.WriteLine("usage: NanoTestFramework.Runner memory");
    return 2;
}

var probe = new LiveMemoryProbe();
var results = new List<NanoCaseResult>();
foreach (Type type in NanoTestRunner.Default.TestClasses())
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
