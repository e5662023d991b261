using System;

namespace SecureDevice.Lab.Simulation;

/// <summary>Continuous and counting draws over a <see cref="SeededRandom"/> stream, identical on every platform for a seed.</summary>
public static class RandomDraws
{
    /// <summary>Uniform in [0, 1).</summary>
    public static double Unit(this SeededRandom random) => random.NextUInt() / 4294967296.0;

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static double Between(this SeededRandom random, double low, double high) => low + ((high - low) * random.Unit());

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public static bool Chance(this SeededRandom random, double p) => random.Unit() < p;

    /// <summary>Normal with mean 0 and standard deviation <paramref name="sigma"/> (Box–Muller).</summary>
    public static double Gaussian(this SeededRandom random, double sigma)
    {
        double u = 1.0 - random.Unit();
        double v = random.Unit();
        return sigma * Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    /// <summary>Poisson with mean <paramref name="mean"/> (Knuth's method; for the small means used here).</summary>
    public static int Poisson(this SeededRandom random, double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 30)
        {
            return Math.Max(0, (int)Math.Round(mean + random.Gaussian(Math.Sqrt(mean))));
        }

        double limit = Math.Exp(-mean);
        double product = random.Unit();
        int count = 0;
        while (product > limit)
        {
            count++;
            product *= random.Unit();
        }

        return count;
    }
}
