using System;
using SecureDevice.Core.Update;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>
/// Fault injection for simulations: wraps any <see cref="IBundleSource"/> and, by a seeded <see cref="Random"/>, fails
/// an Open outright or cuts the body after a random number of bytes, both with <see cref="DownloadStatus.NetworkError"/>,
/// as a lossy radio link would. Every Open draws exactly three numbers, whatever the outcome, so the fault schedule
/// depends only on the seed and the number of Opens: the same seed over the same files gives the same run.
/// </summary>
public sealed class FlakyBundleSource : IBundleSource
{
    /// <summary>Cut points are drawn below this when the server did not announce a length.</summary>
    public const long UnknownLengthCutSpan = 64 * 1024;

    private readonly IBundleSource _inner;
    private readonly Random _random;
    private readonly double _openFailureProbability;
    private readonly double _cutProbability;
    private long _cutAfter = -1;
    private long _delivered;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The real source.</param>
    /// <param name="random">Seeded generator (owned by this source from now on).</param>
    /// <param name="openFailureProbability">Chance, 0 … 1, that an Open fails without reaching the server.</param>
    /// <param name="cutProbability">Chance, 0 … 1, that an opened body is cut before its end.</param>
    public FlakyBundleSource(IBundleSource inner, Random random, double openFailureProbability, double cutProbability)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(random);
        CheckProbability(openFailureProbability, nameof(openFailureProbability));
        CheckProbability(cutProbability, nameof(cutProbability));
        _inner = inner;
        _random = random;
        _openFailureProbability = openFailureProbability;
        _cutProbability = cutProbability;
    }

    /// <summary>Opens failed on purpose.</summary>
    public int OpenFailures { get; private set; }

    /// <summary>Bodies cut on purpose.</summary>
    public int BodyCuts { get; private set; }

    /// <summary>All injected faults: <see cref="OpenFailures"/> + <see cref="BodyCuts"/>.</summary>
    public int InjectedFaults => OpenFailures + BodyCuts;

    /// <inheritdoc />
    public DownloadStatus Open(string url, long offset, out long remaining)
    {
        _cutAfter = -1;
        _delivered = 0;
        double openRoll = _random.NextDouble();
        double cutRoll = _random.NextDouble();
        double cutPoint = _random.NextDouble();
        if (openRoll < _openFailureProbability)
        {
            _inner.Close();
            OpenFailures++;
            remaining = -1;
            return DownloadStatus.NetworkError;
        }

        DownloadStatus status = _inner.Open(url, offset, out remaining);
        if (status == DownloadStatus.Ok && cutRoll < _cutProbability)
        {
            // Below the announced length, so a chosen cut always happens before the body would have ended.
            _cutAfter = (long)(cutPoint * (remaining > 0 ? remaining : UnknownLengthCutSpan));
        }

        return status;
    }

    /// <inheritdoc />
    public DownloadStatus Read(byte[] buffer, int offset, int count, out int read)
    {
        if (_cutAfter >= 0)
        {
            long left = _cutAfter - _delivered;
            if (left <= 0)
            {
                _inner.Close();
                _cutAfter = -1;
                BodyCuts++;
                read = 0;
                return DownloadStatus.NetworkError;
            }

            count = (int)Math.Min(count, left);
        }

        DownloadStatus status = _inner.Read(buffer, offset, count, out read);
        if (status == DownloadStatus.Ok)
        {
            _delivered += read;
        }
        else
        {
            _cutAfter = -1;
        }

        return status;
    }

    /// <inheritdoc />
    public void Close()
    {
        _cutAfter = -1;
        _inner.Close();
    }

    private static void CheckProbability(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, "a probability must be 0..1");
        }
    }
}
