using System.Security.Cryptography;
using System.Text;
using SecureDevice.WebConsole.Api;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

public sealed class ApiTokenFormatTests
{
    [Fact]
    public void Crc32_KnownAnswer_MatchesIeee() => Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Create_PrefixedFixedLengthWithChecksum_AnyChangeBreaksIt()
    {
        string token = ApiTokenFormat.Create(RandomNumberGenerator.Create());
        Assert.StartsWith("sdp_", token, System.StringComparison.Ordinal);
        Assert.Equal(53, token.Length);
        Assert.True(ApiTokenFormat.IsWellFormed(token));
        Assert.NotEqual(token, ApiTokenFormat.Create(RandomNumberGenerator.Create()));
        for (int i = 4; i < token.Length; i++)
        {
            char other = token[i] == 'a' ? 'b' : 'a';
            Assert.False(ApiTokenFormat.IsWellFormed(token[..i] + other + token[(i + 1)..]), "position " + i);
        }

        Assert.False(ApiTokenFormat.IsWellFormed("sdq_" + token[4..]));
        Assert.False(ApiTokenFormat.IsWellFormed(token + "0"));
        Assert.Equal(64, ApiTokenFormat.Hash(token).Length);
    }
}
