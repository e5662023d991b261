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

    /// <summary>
    /// The machine's CPU time so far from /proc/stat's first line, in clock ticks (all zero elsewhere): <c>Busy</c> is
    /// user, nice, system, irq and softirq; <c>Steal</c> is time the hypervisor gave another guest while this machine
    /// wanted the CPU; <c>Total</c> adds idle and iowait to both. Guest time is already inside user and is not added.
    /// </summary>
    public static (long Busy, long Steal, long Total) MachineTicks()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string? line = reader.ReadLine();
            if (line == null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return (0, 0, 0);
            }

            string[] f = line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long T(int i) => i < f.Length ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
            long busy = T(0) + T(1) + T(2) + T(5) + T(6);
            long steal = T(7);
            return (busy, steal, busy + steal + T(3) + T(4));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return (0, 0, 0);
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
