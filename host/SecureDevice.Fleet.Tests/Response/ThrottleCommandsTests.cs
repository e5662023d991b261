using System;
using System.Text;
using SecureDevice.Core.Text;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Fleet.Response;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response;

public sealed class ThrottleCommandsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Throttle_KnownAnswer_IsWhatTheDeviceParserAccepts()
    {
        byte[] payload = ThrottleCommands.Throttle(6, TimeSpan.FromHours(1), Now);
        Assert.Equal("{\"rate\":6,\"until\":\"2026-11-22T11:00:00Z\"}", Encoding.ASCII.GetString(payload));
        Assert.Equal(DocumentStatus.Valid, new ThrottleCommandParser().TryParse(payload, 0, payload.Length, Now.ToUnixTimeSeconds(), out ThrottleCommand? command));
        Assert.Equal(600_000, command!.MinIntervalMs);
    }

    [Fact]
    public void Lift_IsTheMildestCommand_ForTwoMinutes_AcceptedByADeviceClockTwoMinutesAhead()
    {
        byte[] payload = ThrottleCommands.Lift(Now);
        Assert.Equal("{\"rate\":3600,\"until\":\"2026-11-22T10:02:00Z\"}", Encoding.ASCII.GetString(payload));
        var parser = new ThrottleCommandParser();
        Assert.Equal(DocumentStatus.Valid, parser.TryParse(payload, 0, payload.Length, Now.ToUnixTimeSeconds() + 119, out _));
        Assert.NotEqual(DocumentStatus.Valid, parser.TryParse(payload, 0, payload.Length, Now.ToUnixTimeSeconds() + 120, out _));
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(3601, 60)]
    [InlineData(6, 0)]
    [InlineData(6, 86401)]
    public void Throttle_OutsideTheCoresLimits_Throws(int rate, int seconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThrottleCommands.Throttle(rate, TimeSpan.FromSeconds(seconds), Now));
    }
}
