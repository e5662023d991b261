using System;
using System.Globalization;
using System.IO;

namespace SecureDevice.Lab.Ingest;

/// <summary>Memory and CPU of a process from Linux's /proc (0 elsewhere).</summary>
public static class ProcessFigures
{
    /// <summary>VmRSS in bytes.</summary>
    public static long ResidentBytes(int pid) => StatusKiB(pid, "VmRSS:") * 1024;

    /// <summary>VmHWM (the peak resident set) in bytes.</summary>
    public static long PeakResidentBytes(int pid) => StatusKiB(pid, "VmHWM:") * 1024;

    /// <summary>User and system CPU seconds so far (utime + stime), and the clock-tick size assumed (100 Hz, Linux's USER_HZ).</summary>
    public static (double Seconds, int Hz) CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (ticks / 100.0, 100);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 100);
        }
    }

    /// <summary>The machine's 1-minute load average (/proc/loadavg; 0 elsewhere): printed next to every figure of a shared machine.</summary>
    public static double LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ')), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    private static long StatusKiB(int pid, string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return 0;
    }
}
