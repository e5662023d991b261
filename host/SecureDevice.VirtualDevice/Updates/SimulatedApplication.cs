using System;
using System.Text;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>
/// What a virtual device "runs" when the loader loads a slot: the entry assembly of a simulated bundle is text, and
/// markers in it say how the application behaves, so tests and the demo can ship bundles that misbehave on purpose:
/// <list type="bullet">
/// <item><c>sd-sim:throw</c>: the entry point throws when started (the loader reverts at once);</item>
/// <item><c>sd-sim:crash-after-ms=N</c>: the device crashes N ms after boot, every boot (only the boot limit reverts);</item>
/// <item>anything else: a well-behaved application.</item>
/// </list>
/// </summary>
public sealed class SimulatedApplication
{
    private SimulatedApplication(bool throws, long crashAfterMs)
    {
        ThrowsAtStart = throws;
        CrashAfterMs = crashAfterMs;
    }

    /// <summary>A well-behaved application.</summary>
    public static SimulatedApplication WellBehaved { get; } = new(false, -1);

    /// <summary>The entry point throws when started.</summary>
    public bool ThrowsAtStart { get; }

    /// <summary>Milliseconds after boot at which the device crashes, or -1.</summary>
    public long CrashAfterMs { get; }

    /// <summary>Reads the markers of an entry assembly's bytes (the bytes the loader verified).</summary>
    public static SimulatedApplication FromEntryAssembly(byte[] bytes)
    {
        string text = Encoding.ASCII.GetString(bytes);
        bool throws = text.Contains("sd-sim:throw", StringComparison.Ordinal);
        long crash = -1;
        const string CrashMarker = "sd-sim:crash-after-ms=";
        int at = text.IndexOf(CrashMarker, StringComparison.Ordinal);
        if (at >= 0)
        {
            int start = at + CrashMarker.Length;
            int end = start;
            while (end < text.Length && end - start < 9 && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            crash = end > start ? long.Parse(text.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture) : -1;
        }

        return throws || crash >= 0 ? new SimulatedApplication(throws, crash) : WellBehaved;
    }

    /// <summary>The text of a simulated entry assembly for <paramref name="version"/> with optional markers (for tools and tests).</summary>
    public static byte[] EntryAssembly(string version, string? markers = null)
    {
        return Encoding.ASCII.GetBytes("SecureDevice simulated application " + version + "\n" + (markers ?? string.Empty) + "\n");
    }
}
