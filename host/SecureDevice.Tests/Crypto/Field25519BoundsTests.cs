using System;
using System.Numerics;
using SecureDevice.Core.Crypto;
using Xunit;

namespace SecureDevice.Tests.Crypto;

/// <summary>
/// Field25519 against BigInteger at the edges of its documented bounds: Multiply and Square on inputs of up to 15 "units"
/// (sums and differences of carried elements with every limb at its extreme), where a 64-bit partial sum would overflow if
/// the bound were wrong; outputs inside the carried bounds; ToBytes canonical for values around 0, p and 2^255.
/// </summary>
public sealed class Field25519BoundsTests
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly int[] LimbOffsets = { 0, 26, 51, 77, 102, 128, 153, 179, 204, 230 };

    [Theory]
    [InlineData(1, 15)]
    [InlineData(15, 1)]
    [InlineData(3, 5)]
    [InlineData(5, 3)]
    [InlineData(2, 7)]
    [InlineData(3, 4)]
    [InlineData(4, 3)]
    public void Multiply_InputsAtTheUnitBound_MatchesBigInteger(int unitsF, int unitsG)
    {
        foreach (int signF in new[] { 1, -1 })
        {
            foreach (int signG in new[] { 1, -1 })
            {
                long[] f = Extreme(unitsF, signF);
                long[] g = Extreme(unitsG, signG);
                long[] h = Field25519.Create();
                Field25519.Multiply(h, f, g);
                AssertCarried(h);
                Assert.Equal(Mod(Value(f) * Value(g)), Mod(Value(h)));
            }
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-3)]
    public void Square_InputAtTheUnitBound_MatchesBigInteger(int signedUnits)
    {
        long[] f = Extreme(Math.Abs(signedUnits), Math.Sign(signedUnits));
        long[] h = Field25519.Create();
        Field25519.Square(h, f);
        AssertCarried(h);
        Assert.Equal(Mod(Value(f) * Value(f)), Mod(Value(h)));
    }

    [Fact]
    public void MultiplySquareAndToBytes_1000RandomElements_MatchBigInteger()
    {
        var random = new Random(25519);
        var bytes = new byte[32];
        long[] f = Field25519.Create();
        long[] g = Field25519.Create();
        long[] h = Field25519.Create();
        long[] scratch = Field25519.Create();
        for (int i = 0; i < 1000; i++)
        {
            RandomCarried(f, random);
            RandomCarried(g, random);
            Field25519.Multiply(h, f, g);
            AssertCarried(h);
            Assert.Equal(Mod(Value(f) * Value(g)), Mod(Value(h)));
            Field25519Encoding.ToBytes(bytes, 0, h, scratch);
            Assert.Equal(Mod(Value(h)), new BigInteger(bytes, isUnsigned: true));
            Field25519.Square(h, f);
            Assert.Equal(Mod(Value(f) * Value(f)), Mod(Value(h)));
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("-19")]
    [InlineData("p-1")]
    [InlineData("p")]
    [InlineData("p+1")]
    [InlineData("2^255-1")]
    [InlineData("2^255")]
    [InlineData("2^255+18")]
    [InlineData("2p-1")]
    public void ToBytes_ValuesAroundTheModulus_AreCanonical(string name)
    {
        BigInteger value = name switch
        {
            "p-1" => P - 1,
            "p" => P,
            "p+1" => P + 1,
            "2^255-1" => BigInteger.Pow(2, 255) - 1,
            "2^255" => BigInteger.Pow(2, 255),
            "2^255+18" => BigInteger.Pow(2, 255) + 18,
            "2p-1" => (2 * P) - 1,
            _ => BigInteger.Parse(name),
        };
        long[] f = Limbs(value);
        var bytes = new byte[32];
        Field25519Encoding.ToBytes(bytes, 0, f, Field25519.Create());
        Assert.Equal(Mod(value), new BigInteger(bytes, isUnsigned: true));
    }

    // The sum of `units` carried elements with every limb at its maximum (limb 1 at its documented excess), times sign.
    private static long[] Extreme(int units, int sign)
    {
        long[] f = Field25519.Create();
        for (int i = 0; i < Field25519.Limbs; i++)
        {
            long limb = i == 1 ? (1L << 25) + (1L << 17) : (1L << (26 - (i & 1))) - 1;
            f[i] = sign * units * limb;
        }

        return f;
    }

    private static void RandomCarried(long[] f, Random random)
    {
        for (int i = 0; i < Field25519.Limbs; i++)
        {
            f[i] = random.NextInt64(0, 1L << (26 - (i & 1)));
        }
    }

    private static void AssertCarried(long[] h)
    {
        for (int i = 0; i < Field25519.Limbs; i++)
        {
            long low = i == 1 ? -(1L << 17) : 0;
            long high = (1L << (26 - (i & 1))) + (i == 1 ? 1L << 17 : 0);
            Assert.True(h[i] >= low && h[i] < high, "limb " + i + " = " + h[i] + " outside the carried bounds");
        }
    }

    private static BigInteger Value(long[] f)
    {
        BigInteger value = BigInteger.Zero;
        for (int i = 0; i < Field25519.Limbs; i++)
        {
            value += new BigInteger(f[i]) << LimbOffsets[i];
        }

        return value;
    }

    private static long[] Limbs(BigInteger value)
    {
        // Non-negative values only through the limb split; a negative value puts its sign in limb 0.
        long[] f = Field25519.Create();
        BigInteger magnitude = BigInteger.Abs(value);
        for (int i = 0; i < Field25519.Limbs; i++)
        {
            int width = i == 9 ? 64 : 26 - (i & 1);
            f[i] = (long)((magnitude >> LimbOffsets[i]) & ((BigInteger.One << width) - 1));
        }

        if (value.Sign < 0)
        {
            Assert.True(magnitude < (1 << 25), "test helper: only small negative values");
            f[0] = -f[0];
        }

        return f;
    }

    private static BigInteger Mod(BigInteger value)
    {
        BigInteger r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
