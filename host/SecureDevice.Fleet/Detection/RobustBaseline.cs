using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// A device's own baseline for one metric in 10 bytes: an exponentially weighted mean and mean absolute deviation with
/// Huber clipping (docs/detection.md, "Statistics"). During warm-up (the first <see cref="DetectionOptions.WarmupSamples"/>
/// samples) it is a plain running mean and mean absolute deviation; afterwards each sample moves it by
/// <c>alpha</c> of its residual, the residual first clipped to ±<see cref="Clip"/> standard deviations, so one wild
/// sample moves the mean by at most <c>alpha · 3σ</c>. The caller does not feed samples it judged anomalous, so an
/// attacker cannot teach the baseline that the attack is normal. σ is estimated as 1.2533 × the mean absolute deviation
/// (exact for a normal distribution). Mutable struct: keep it in a field and call its methods on the field.
/// </summary>
public struct RobustBaseline
{
    /// <summary>Residuals are clipped at this many standard deviations.</summary>
    public const double Clip = 3.0;

    /// <summary>σ / mean absolute deviation for a normal distribution (√(π/2)).</summary>
    public const double DeviationToSigma = 1.2533;

    private float _mean;
    private float _deviation;
    private ushort _count;

    /// <summary>The baseline mean.</summary>
    public readonly double Mean => _mean;

    /// <summary>The estimated standard deviation (unfloored).</summary>
    public readonly double Sigma => _deviation * DeviationToSigma;

    /// <summary>Samples taken (saturates at 65535).</summary>
    public readonly int Count => _count;

    /// <summary>True once <paramref name="warmup"/> samples were taken.</summary>
    public readonly bool IsWarm(int warmup) => _count >= warmup;

    /// <summary>Takes one sample.</summary>
    /// <param name="value">The sample.</param>
    /// <param name="alpha">Weight of a new sample after warm-up, 0..1.</param>
    /// <param name="warmup">Samples averaged plainly before the exponential weighting starts.</param>
    /// <param name="floor">Smallest σ used for clipping (the metric's resolution), so a constant series still clips.</param>
    public void Add(double value, double alpha, int warmup, double floor)
    {
        if (_count == 0)
        {
            _mean = (float)value;
            _deviation = 0;
            _count = 1;
            return;
        }

        double residual = value - _mean;
        double weight = _count < warmup ? 1.0 / (_count + 1) : alpha;

        // Clip once a few samples gave a scale; before that a single wild first sample would set the clip itself.
        double limit = _count >= 4 ? Clip * Math.Max(Sigma, floor) : double.PositiveInfinity;
        double clipped = Math.Clamp(residual, -limit, limit);
        _mean = (float)(_mean + (weight * clipped));
        _deviation = (float)(_deviation + (weight * (Math.Min(Math.Abs(residual), limit) - _deviation)));
        _count = _count == ushort.MaxValue ? _count : (ushort)(_count + 1);
    }

    /// <summary>Standard deviations between <paramref name="value"/> and the mean, σ at least <paramref name="floor"/>.</summary>
    public readonly double Z(double value, double floor) => (value - _mean) / Math.Max(Sigma, floor);

    /// <summary>Forgets everything (a version change: the device is expected to behave differently).</summary>
    public void Reset() => this = default;

    /// <summary>The three stored values, for persistence.</summary>
    public readonly (float Mean, float Deviation, ushort Count) Save() => (_mean, _deviation, _count);

    /// <summary>Restores what <see cref="Save"/> gave.</summary>
    public static RobustBaseline Load(float mean, float deviation, ushort count) => new() { _mean = mean, _deviation = deviation, _count = count };
}
