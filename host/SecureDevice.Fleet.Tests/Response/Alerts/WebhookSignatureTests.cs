using System;
using System.Text;
using SecureDevice.Fleet.Response.Alerts;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

public sealed class WebhookSignatureTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("{\"a\":1}");
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1764547200);

    // openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef over "1764547200.{"a":1}"
    private const string OpenSslMac = "022f8f3f76b7a78cc266b0f6d625f8fe2a43a9d3f85a5d614bdc8e9284180ddc";

    [Fact]
    public void Sign_KnownAnswer_MatchesOpenSsl()
    {
        Assert.Equal("t=1764547200,v1=" + OpenSslMac, WebhookSignature.Sign(Secret, 1764547200, Body));
    }

    [Fact]
    public void Sign_KnownAnswer_MatchesOpenSslRunNow()
    {
        string output = SecureDevice.TestSupport.ExternalProcess.Run("openssl", new[] { "dgst", "-sha256", "-hmac", Encoding.ASCII.GetString(Secret), "-r" },
            input: Encoding.ASCII.GetBytes("1764547200.{\"a\":1}")).EnsureSuccess("openssl dgst").Output;
        Assert.StartsWith(OpenSslMac, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t=1764547200,v1=" + OpenSslMac, 0, SignatureStatus.Valid)]
    [InlineData("t=1764547200,v1=" + OpenSslMac, 299, SignatureStatus.Valid)]
    [InlineData("t=1764547200,v1=" + OpenSslMac, 301, SignatureStatus.Expired)]
    [InlineData("t=1764547200,v1=" + OpenSslMac, -301, SignatureStatus.Expired)]
    [InlineData("t=1764547201,v1=" + OpenSslMac, 0, SignatureStatus.Mismatch)]
    [InlineData("t=1764547200,v1=0000000000000000000000000000000000000000000000000000000000000000,v1=" + OpenSslMac, 0, SignatureStatus.Valid)]
    [InlineData("v1=" + OpenSslMac, 0, SignatureStatus.Malformed)]
    [InlineData("t=1764547200", 0, SignatureStatus.Malformed)]
    [InlineData("t=1764547200,v1=zz", 0, SignatureStatus.Malformed)]
    [InlineData("t=-5,v1=" + OpenSslMac, 0, SignatureStatus.Malformed)]
    [InlineData("", 0, SignatureStatus.Malformed)]
    public void Verify_Cases(string header, int skewSeconds, SignatureStatus expected)
    {
        Assert.Equal(expected, WebhookSignature.Verify(Secret, header, Body, At.AddSeconds(skewSeconds), WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public void Verify_ChangedBody_IsAMismatch()
    {
        Assert.Equal(SignatureStatus.Mismatch, WebhookSignature.Verify(Secret, "t=1764547200,v1=" + OpenSslMac, Encoding.ASCII.GetBytes("{\"a\":2}"), At, WebhookSignature.DefaultTolerance));
    }
}
