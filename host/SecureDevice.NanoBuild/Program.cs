using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using SecureDevice.ApiGate;
using SecureDevice.NanoBuild;

// dotnet run --project host/SecureDevice.NanoBuild [-- sizes | strings ASSEMBLY [N] | methods ASSEMBLY [N]]
//   sizes    (default) compiles the three nanoFramework projects in Release and Debug against the real mscorlib and the
//            listing references, prints each assembly's byte-code and string tables against the MetadataProcessor's limit,
//            and one RESULT line per assembly; exit 1 when one does not compile or is over 80 % of the limit.
//   strings  the N largest entries of an assembly's string table (Debug), and the total by kind: where to save.
//   methods  the N largest method bodies of an assembly (Release and Debug).
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
    Console.WriteLine("| assembly | configuration | byte code | % of 65,535 | string table | % of 65,535 |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
    foreach (MeasuredAssembly measured in solution.MeasureAll())
    {
        string name = measured.Assembly.Project.AssemblyName;
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
        Console.WriteLine("RESULT assembly=" + measured.Assembly.Project.AssemblyName + " configuration=" + measured.Assembly.Configuration.ToString().ToLowerInvariant()
            + " bytecode=" + measured.Tables!.ByteCode + " strings=" + measured.Tables.Strings + " budget=" + TableSizes.Budget);
    }

    return ok ? 0 : 1;
}

static string Percent(int bytes) => (100.0 * bytes / TableSizes.Limit).ToString("0.0", CultureInfo.InvariantCulture) + " %";

static MeasuredAssembly Find(NanoSolution solution, string assembly, NanoConfiguration configuration)
{
    foreach (string project in NanoSolution.Projects)
    {
        if (string.Equals(solution.Load(project).AssemblyName, assembly, StringComparison.OrdinalIgnoreCase))
        {
            MeasuredAssembly measured = solution.Measure(project, configuration);
            return measured.Tables != null ? measured : throw new InvalidOperationException(assembly + " does not compile:\n" + measured.Assembly.Errors);
        }
    }

    throw new InvalidDataException("no nanoFramework project builds " + assembly + " (SecureDevice.Core, SecureDevice.Firmware, NFUnitTest)");
}

static int Strings(NanoSolution solution, string assembly, int count)
{
    TableSizes t = Find(solution, assembly, NanoConfiguration.Debug).Tables!;
    var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
    foreach (string s in t.StringSet)
    {
        string kind = s.Length >= 16 && s.All(Uri.IsHexDigit) ? "hex"
            : s.Contains("\":", StringComparison.Ordinal) || s.TrimStart().StartsWith('{') ? "json"
            : s.IndexOfAny(new[] { '(', '.', '[', ' ' }) >= 0 ? "expression or sentence"
            : "name";
        kinds[kind] = kinds.GetValueOrDefault(kind) + Encoding.UTF8.GetByteCount(s) + 1;
    }

    Console.WriteLine(assembly + ": " + t.Strings.ToString("N0", CultureInfo.InvariantCulture) + " bytes in " + t.StringSet.Count + " strings");
    foreach (var kind in kinds.OrderByDescending(k => k.Value))
    {
        Console.WriteLine("  " + kind.Key + ": " + kind.Value.ToString("N0", CultureInfo.InvariantCulture));
    }

    foreach (string s in t.StringSet.OrderByDescending(s => Encoding.UTF8.GetByteCount(s)).Take(count))
    {
        Console.WriteLine((Encoding.UTF8.GetByteCount(s) + 1).ToString(CultureInfo.InvariantCulture).PadLeft(6) + "  " + Printable(s));
    }

    return 0;
}

static int Methods(NanoSolution solution, string assembly, int count)
{
    foreach (NanoConfiguration configuration in new[] { NanoConfiguration.Release, NanoConfiguration.Debug })
    {
        TableSizes t = Find(solution, assembly, configuration).Tables!;
        Console.WriteLine(assembly + " " + configuration + ": " + t.ByteCode.ToString("N0", CultureInfo.InvariantCulture) + " bytes of byte code");
        foreach (var method in t.MethodSizes.OrderByDescending(m => m.Value).Take(count))
        {
            Console.WriteLine(method.Value.ToString(CultureInfo.InvariantCulture).PadLeft(6) + "  " + method.Key);
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
