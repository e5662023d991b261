using System;
using System.Collections;
using System.Threading;
using nanoFramework.TestFramework;

namespace NanoTestFramework.Runner;

/// <summary>
/// Cases with known memory behaviour, run through <see cref="LiveMemoryProbe"/> by the runner's `calibrate` command, so a
/// host test can check that the probe sees what a test holds and does not count what it throws away. Each holding case
/// keeps its data for <see cref="HoldMs"/>, many collections' worth on these heaps.
/// </summary>
[TestClass]
public class ProbeCalibration
{
    /// <summary>Bytes of the array <see cref="HoldsOneLargeArray"/> keeps: twice the device tests' budget.</summary>
    public const int LargeArrayBytes = 128 * 1024;

    /// <summary>Arrays <see cref="HoldsManySmallArrays"/> keeps.</summary>
    public const int SmallArrays = 400;

    /// <summary>Bytes of each of them.</summary>
    public const int SmallArrayBytes = 100;

    /// <summary>Bytes <see cref="AllocatesGarbageOnly"/> allocates in all, none of them kept.</summary>
    public const int GarbageBytes = 64 * 1024 * 1024;

    /// <summary>How long a holding case keeps its data, ms.</summary>
    public const int HoldMs = 50;

    private static int _sink;

    /// <summary>Keeps one array of <see cref="LargeArrayBytes"/>, as a test holding a big payload would.</summary>
    [TestMethod]
    public static void HoldsOneLargeArray()
    {
        byte[] payload = new byte[LargeArrayBytes];
        payload[LargeArrayBytes - 1] = 1;
        Thread.Sleep(HoldMs);
        _sink += payload[LargeArrayBytes - 1];
    }

    /// <summary>Keeps <see cref="SmallArrays"/> arrays of <see cref="SmallArrayBytes"/> in a list, as a test keeping every intermediate state would.</summary>
    [TestMethod]
    public static void HoldsManySmallArrays()
    {
        ArrayList states = new ArrayList();
        for (int i = 0; i < SmallArrays; i++)
        {
            states.Add(new byte[SmallArrayBytes]);
        }

        Thread.Sleep(HoldMs);
        _sink += states.Count;
    }

    /// <summary>Allocates <see cref="GarbageBytes"/> in 1,000-byte arrays and keeps none: its live data is nothing.</summary>
    [TestMethod]
    public static void AllocatesGarbageOnly()
    {
        for (int i = 0; i < GarbageBytes / 1000; i++)
        {
            byte[] garbage = new byte[1000];
            garbage[i % 1000] = 1;
            _sink += garbage[0];
        }
    }
}
