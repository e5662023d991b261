using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// Order statistics for the cohort comparison and the heap trend: median, median absolute deviation (MAD) and the
/// Theil–Sen slope, each robust to a minority of wild values (breakdown points 50 %, 50 % and 29 %). Inputs are
/// caller-owned spans that the methods may reorder; nothing is allocated.
/// </summary>
public static class RobustStatistics
{
    /// <summary>MAD × this estimates σ for a normal distribution.</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>Most points <see cref="TheilSenSlope"/> takes (it looks at every pair: n(n−1)/2).</summary>
    public const int MaxSlopePoints = 16;

    /// <summary>The median (the mean of the two middle values for an even count). Reorders <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static double Median(Span<float> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("the median of nothing", nameof(values));
        }

        int middle = values.Length / 2;
        double upper = Select(values, middle);
        if (values.Length % 2 == 1)
        {
            return upper;
        }

        // After selecting the middle, everything left of it is smaller or equal: the lower middle is their maximum.
        float lower = values[0];
        for (int i = 1; i < middle; i++)
        {
            lower = Math.Max(lower, values[i]);
        }

        return (lower + upper) / 2;
    }

    /// <summary>The median absolute deviation from <paramref name="median"/>. Overwrites <paramref name="values"/> with the deviations.</summary>
    public static double Mad(Span<float> values, double median)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)Math.Abs(values[i] - median);
        }

        return Median(values);
    }

    /// <summary>
    /// The Theil–Sen slope of equally spaced points (x = 0, 1, 2, ...): the median of the slopes of every pair, in units
    /// of <paramref name="points"/> per step. NaN for fewer than two points.
    /// </summary>
    /// <exception cref="ArgumentException">More than <see cref="MaxSlopePoints"/> points.</exception>
    public static double TheilSenSlope(ReadOnlySpan<float> points)
    {
        if (points.Length > MaxSlopePoints)
        {
            throw new ArgumentException("at most " + MaxSlopePoints + " points", nameof(points));
        }

        if (points.Length < 2)
        {
            return double.NaN;
        }

        Span<float> slopes = stackalloc float[MaxSlopePoints * (MaxSlopePoints - 1) / 2];
        int count = 0;
        for (int i = 0; i < points.Length; i++)
        {
            for (int j = i + 1; j < points.Length; j++)
            {
                slopes[count++] = (points[j] - points[i]) / (j - i);
            }
        }

        return Median(slopes[..count]);
    }

    // Hoare's selection with a median-of-three pivot: afterwards values[k] holds the k-th smallest, smaller or equal
    // values to its left, larger or equal to its right. Expected linear time.
    private static float Select(Span<float> values, int k)
    {
        int left = 0;
        int right = values.Length - 1;
        while (left < right)
        {
            int mid = left + ((right - left) / 2);
            float pivot = MedianOfThree(values[left], values[mid], values[right]);
            int i = left;
            int j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }

        return values[k];
    }

    private static float MedianOfThree(float a, float b, float c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
