using System;
using SecureDevice.Core.Crypto;
using Xunit;

namespace SecureDevice.Tests.Crypto;

/// <summary>
/// The verifier's variable-time double-scalar multiplication (width-5 NAF digits, odd-multiple tables, doublings that skip
/// T, subtraction of table points) against the signer's constant-time fixed-window multiplication, which shares none of
/// that code: for P = [c]B, [a]P + [b]B must equal [a·c + b mod L]B.
/// </summary>
public sealed class Ed25519GroupTests
{
    private const string Order = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

    [Fact]
    public void DoubleScalarMultiply_RandomAndEdgeScalars_MatchesFixedWindowMultiply()
    {
        var random = new Random(2008);
        var scalars = new System.Collections.Generic.List<byte[]>
        {
            new byte[32],
            Scalar("0100000000000000000000000000000000000000000000000000000000000000"),
            Minus1(Convert.FromHexString(Order)),
            Scalar("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            Scalar("5555555555555555555555555555555555555555555555555555555555555555"),
            Scalar("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2a"),
            Scalar("f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f070"),
        };
        for (int i = 0; i < 40; i++)
        {
            byte[] s = new byte[32];
            random.NextBytes(s);
            s[31] &= 0x7f;
            scalars.Add(s);
        }

        var group = new Ed25519Group();
        var basePoint = new Ed25519Point();
        Assert.Equal(Ed25519DecodeStatus.Decoded, group.TryDecode(basePoint, Ed25519Group.EncodedBasePoint, 0));
        Ed25519CachedPoint[] baseTable = Ed25519Group.NewTable(Ed25519Group.WindowTableSize);
        group.FillWindowTable(baseTable, basePoint);
        Ed25519CachedPoint[] oddTable = Ed25519Group.NewTable(Ed25519Group.OddTableSize);
        long[] scratch = new long[Scalar25519.ScratchSize];
        var p = new Ed25519Point();
        var actual = new Ed25519Point();
        var expected = new Ed25519Point();
        byte[] combined = new byte[32];
        byte[] actualBytes = new byte[32];
        byte[] expectedBytes = new byte[32];
        byte[] c = new byte[32];
        for (int i = 0; i < scalars.Count; i++)
        {
            random.NextBytes(c);
            group.ScalarMultiplyBase(p, c, 0, baseTable);
            group.FillOddTable(oddTable, p);
            byte[] a = scalars[i];
            byte[] b = scalars[(i * 7 + 3) % scalars.Count];
            group.DoubleScalarMultiplyVariableTime(actual, a, 0, oddTable, b, 0);
            Scalar25519.MultiplyAdd(combined, 0, a, 0, c, 0, b, 0, scratch);
            group.ScalarMultiplyBase(expected, combined, 0, baseTable);
            group.Encode(actualBytes, 0, actual);
            group.Encode(expectedBytes, 0, expected);
            Assert.True(expectedBytes.AsSpan().SequenceEqual(actualBytes), "scalar pair " + i);
        }
    }

    [Fact]
    public void DoubleScalarMultiply_ScalarWithTopBitSet_Throws()
    {
        var group = new Ed25519Group();
        var point = new Ed25519Point();
        group.TryDecode(point, Ed25519Group.EncodedBasePoint, 0);
        Ed25519CachedPoint[] oddTable = Ed25519Group.NewTable(Ed25519Group.OddTableSize);
        group.FillOddTable(oddTable, point);
        byte[] tooLarge = new byte[32];
        tooLarge[31] = 0xff;
        Assert.Throws<ArgumentOutOfRangeException>(() => group.DoubleScalarMultiplyVariableTime(point, tooLarge, 0, oddTable, new byte[32], 0));
    }

    private static byte[] Scalar(string hex) => Convert.FromHexString(hex);

    private static byte[] Minus1(byte[] value)
    {
        byte[] copy = (byte[])value.Clone();
        copy[0]--;
        return copy;
    }
}
