using System;

namespace SecureDevice.VirtualDevice;

/// <summary>
/// A virtual device's monotonic clock (what the firmware reads from its tick counter), optionally running
/// <see cref="Scale"/> times faster than real time: a lab feature, so that a test or a demo sees in seconds what the
/// firmware does in minutes, with the firmware's real config and budgets and no internal touched.
/// <para>
/// Only the monotonic clock is scaled. Wall time stays real (certificate validity, the UTC seconds the core is given,
/// the time the service stamps on what it receives), and so does the network (the transport's timeouts and MQTT
/// keep-alive run on the host's own clock). Everything the core measures with the monotonic clock runs
/// <see cref="Scale"/> times faster: the report interval, the publish budgets' refill, reconnect backoff, the idle probe
/// of <see cref="SimulatedHealthSource"/>, and the length of a throttle window (a command's UTC end is turned into a
/// monotonic window when it arrives: an hour's throttle lasts a minute of wall time at 60×).
/// </para>
/// </summary>
public sealed class DeviceClock
{
    /// <summary>Fastest scale accepted: an hour of device time per second.</summary>
    public const int MaxScale = 3600;

    private readonly long _originMs;

    /// <summary>A clock that starts now at the host's tick count and runs <paramref name="scale"/> (1..<see cref="MaxScale"/>) times faster.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is out of range (<see cref="Describe"/> says why).</exception>
    public DeviceClock(int scale = 1)
    {
        if (!IsValid(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, Describe(scale));
        }

        Scale = scale;
        _originMs = Environment.TickCount64;
    }

    /// <summary>Device milliseconds per real millisecond (1 = real time).</summary>
    public int Scale { get; }

    /// <summary>The device's monotonic time, ms: the host's tick count at creation plus the real time since, times <see cref="Scale"/>.</summary>
    public long NowMs => _originMs + ((Environment.TickCount64 - _originMs) * Scale);

    /// <summary>True when <paramref name="scale"/> is 1..<see cref="MaxScale"/>.</summary>
    public static bool IsValid(int scale) => scale >= 1 && scale <= MaxScale;

    /// <summary>One line saying why <paramref name="scale"/> is refused (or the accepted range).</summary>
    public static string Describe(int scale) => "time scale " + scale + " is out of range: 1 (real time) .. " + MaxScale + " (an hour of device time per second)";

    /// <summary>
    /// Real milliseconds to wait for <paramref name="deviceMs"/> of device time, rounded up (a wait never ends before the
    /// device's deadline), clamped to 0..<see cref="int.MaxValue"/>.
    /// </summary>
    public int ToRealMs(long deviceMs)
    {
        if (deviceMs <= 0)
        {
            return 0;
        }

        long real = (deviceMs / Scale) + (deviceMs % Scale == 0 ? 0 : 1);
        return real > int.MaxValue ? int.MaxValue : (int)real;
    }
}
