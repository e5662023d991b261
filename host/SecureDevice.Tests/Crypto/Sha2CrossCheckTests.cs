using System;
using System.Security.Cryptography;
using SecureDevice.Core.Crypto;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Crypto;

/// <summary>The core's SHA-256/512 against .NET's platform implementations (OpenSSL on Linux) on random inputs.</summary>
public sealed class Sha2CrossCheckTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    public void Sha2_500RandomInputsInRandomChunks_MatchDotNet(int bits)
    {
        var random = new Random(bits);
        BlockHash sha = bits == 256 ? new Sha256() : new Sha512();
        byte[] digest = new byte[sha.DigestSize];
        for (int i = 0; i < 500; i++)
        {
            byte[] message = new byte[random.Next(0, 2049)];
            random.NextBytes(message);
            AppendInRandomChunks(sha, message, random);
            sha.Finish(digest, 0);
            Assert.Equal(bits == 256 ? SHA256.HashData(message) : SHA512.HashData(message), digest);
        }
    }

    [Fact]
    public void AppendAndFinish_AllocateNothingAfterConstruction()
    {
        var sha256 = new Sha256();
        var sha512 = new Sha512();
        byte[] message = new byte[10_000];
        byte[] digest = new byte[64];
        // Warm-up: the first use runs the type initialisers (round-constant tables) and the JIT.
        sha256.Append(message, 0, message.Length);
        sha256.Finish(digest, 0);
        sha512.Append(message, 0, message.Length);
        sha512.Finish(digest, 0);
        long allocated = AllocationProbe.FewestBytes(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                sha256.Append(message, 0, message.Length);
                sha256.Finish(digest, 0);
                sha512.Append(message, 0, message.Length);
                sha512.Finish(digest, 0);
            }
        });

        Assert.Equal(0, allocated);
    }

    private static void AppendInRandomChunks(BlockHash hash, byte[] message, Random random)
    {
        int at = 0;
        while (at < message.Length)
        {
            int take = random.Next(0, message.Length - at + 1);
            hash.Append(message, at, take);
            at += take;
        }
    }
}
