using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using SecureDevice.ApiGate;
using SecureDevice.NanoBuild;

// dotnet run --project host/SecureDevice.NanoBuild [-- sizes | strings ASSEMBLY [N] | methods ASSEMBLY [N]]
//   sizes    (default) compiles the nanoFramework projects (NanoSolution.Projects) in Release and Debug against the real
//            mscorlib and the listing references, prints each assembly's byte-code and string tables against the
//            MetadataProcessor's limit, and one RESULT line per assembly and configuration (with its project: the three test
//            projects build NFUnitTest); exit 1 when one does not compile or is over 80 % of the limit.
//   strings  the N largest entries of an assembly's string table (Debug), and the total by kind: where to save.
//   methods  the N largest method bodies of an assembly (Release and Debug).
//   ASSEMBLY is an assembly name or a project name; NFUnitTest means the three test projects, DeviceFirmware.Tests,
//   DeviceFirmware.Tests.Foundation or DeviceFirmware.Tests.Update one of them.
try
{
    string command = args.Length > 0 ? args[0] : "sizes";
    var solution = new NanoSolution(NanoSolution.FindRoot(Directory.GetCurrentDirectory()));
    switch (command)
    {
        case "sizes":
            return Sizes(solution);
        case "strings" when args.Length >= 2:
            return Strings(solution, args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 40);
        case "methods" when args.Length >= 2:
            return Methods(solution, args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20);
        default:
            Console.Error.WriteLine("usage: SecureDevice.NanoBuild [sizes | strings ASSEMBLY [N] | methods ASSEMBLY [N]]");
            return 2;
    }
}
catch (Exception error) when (error is IOException or InvalidDataException or FormatException or InvalidOperationException)
{
    Console.Error.WriteLine("nanobuild: " + error.Message);
    return 2;
}

static int Sizes(NanoSolution solution)
{
    bool ok = true;
    Console.WriteLine("| assembly | project | configuration | byte code | % of 65,535 | string table | % of 65,535 |");
    Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: |");
    foreach (MeasuredAssembly measured in solution.MeasureAll())
    {
        string name = measured.Assembly.Project.AssemblyName + " | " + NanoSolution.ProjectName(measured.Assembly.Project.Path);
        string configuration = measured.Assembly.Configuration.ToString();
        if (measured.Tables == null)
        {
            Console.WriteLine("| " + name + " | " + configuration + " | does not compile | | | |");
            foreach (var error in measured.Assembly.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Take(10))
            {
                Console.Error.WriteLine("  " + error);
            }

            ok = false;
            continue;
        }

        TableSizes t = measured.Tables;
        Console.WriteLine("| " + name + " | " + configuration + " | " + t.ByteCode.ToString("N0", CultureInfo.InvariantCulture) + " | " + Percent(t.ByteCode)
            + " | " + t.Strings.ToString("N0", CultureInfo.InvariantCulture) + " | " + Percent(t.Strings) + " |");
        ok &= measured.WithinBudget;
    }

    foreach (MeasuredAssembly measured in solution.MeasureAll().Where(m => m.Tables != null))
    {
        Console.WriteLine("RESULT assembly=" + measured.Assembly.Project.AssemblyName + " project=" + NanoSolution.ProjectName(measured.Assembly.Project.Path) + " configuration=" + measured.Assembly.Configuration.ToString().ToLowerInvariant()
            + " bytecode=" + measured.Tables!.ByteCode + " strings=" + measured.Tables.Strings + " budget=" + TableSizes.Budget);
    }

    return ok ? 0 : 1;
}

static string Percent(int bytes) => (100.0 * bytes / TableSizes.Limit).ToString("0.0", CultureInfo.InvariantCulture) + " %";

// The projects that build ASSEMBLY (an assembly name, e.g. NFUnitTest for both test projects) or are named ASSEMBLY.
static List<MeasuredAssembly> Find(NanoSolution solution, string assembly, NanoConfiguration configuration)
{
    var found = new List<MeasuredAssembly>();
    foreach (string project in NanoSolution.Projects)
    {
        if (string.Equals(solution.Load(project).AssemblyName, assembly, StringComparison.OrdinalIgnoreCase)
            || string.Equals(NanoSolution.ProjectName(project), assembly, StringComparison.OrdinalIgnoreCase))
        {
            MeasuredAssembly measured = solution.Measure(project, configuration);
            found.Add(measured.Tables != null ? measured : throw new InvalidOperationException(NanoSolution.ProjectName(project) + " does not compile:\n" + measured.Assembly.Errors));
        }
    }

    return found.Count > 0 ? found : throw new InvalidDataException("no nanoFramework project builds or is named " + Printable(assembly)
        + " (SecureDevice.Foundation, SecureDevice.Core, SecureDevice.Firmware, NFUnitTest, DeviceFirmware.Tests, DeviceFirmware.Tests.Foundation, DeviceFirmware.Tests.Update)");
}

// "NFUnitTest (DeviceFirmware.Tests.Update)": which of the same-named assemblies a report is about.
static string Title(MeasuredAssembly measured) => measured.Assembly.Project.AssemblyName + " (" + NanoSolution.ProjectName(measured.Assembly.Project.Path) + ")";

static int Strings(NanoSolution solution, string assembly, int count)
{
    foreach (MeasuredAssembly measured in Find(solution, assembly, NanoConfiguration.Debug))
    {
        StringReport(Title(measured), measured.Tables!, count);
    }

    return 0;
}

static void StringReport(string title, TableSizes t, int count)
{
    var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
    foreach (string s in t.StringSet)
    {
        string kind = s.Length >= 16 && s.All(Uri.IsHexDigit) ? "hex"
            : s.Contains("\":", StringComparison.Ordinal) || s.TrimStart().StartsWith('{') ? "json"
            : s.IndexOfAny(new[] { '(', '.', '[', ' ' }) >= 0 ? "expression or sentence"
            : "name";
        kinds[kind] = kinds.GetValueOrDefault(kind) + Encoding.UTF8.GetByteCount(s) + 1;
    }

    Console.WriteLine(title + ": " + t.Strings.ToString("N0", CultureInfo.InvariantCulture) + " bytes in " + t.StringSet.Count + " strings");
    foreach (var kind in kinds.OrderByDescending(k => k.Value))
    {
        Console.WriteLine("  " + kind.Key + ": " + kind.Value.ToString("N0", CultureInfo.InvariantCulture));
    }

    foreach (string s in t.StringSet.OrderByDescending(s => Encoding.UTF8.GetByteCount(s)).Take(count))
    {
        Console.WriteLine((Encoding.UTF8.GetByteCount(s) + 1).ToString(CultureInfo.InvariantCulture).PadLeft(6) + "  " + Printable(s));
    }
}

static int Methods(NanoSolution solution, string assembly, int count)
{
    foreach (NanoConfiguration configuration in new[] { NanoConfiguration.Release, NanoConfiguration.Debug })
    {
        foreach (MeasuredAssembly measured in Find(solution, assembly, configuration))
        {
            TableSizes t = measured.Tables!;
            Console.WriteLine(Title(measured) + " " + configuration + ": " + t.ByteCode.ToString("N0", CultureInfo.InvariantCulture) + " bytes of byte code");
            foreach (var method in t.MethodSizes.OrderByDescending(m => m.Value).Take(count))
            {
                Console.WriteLine(method.Value.ToString(CultureInfo.InvariantCulture).PadLeft(6) + "  " + method.Key);
            }
        }
    }

    return 0;
}

// Source text can hold anything; print it as one line of printable ASCII.
static string Printable(string text)
{
    var line = new StringBuilder();
    foreach (char c in text.Length > 160 ? text.Substring(0, 160) + "..." : text)
    {
        line.Append(c >= 0x20 && c < 0x7f ? c.ToString() : "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
    }

    return line.ToString();
}
