using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Core.Text;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests.Response;

/// <summary><c>securedevice respond</c> against the reference mosquitto: an operator throttles, quarantines, lifts and revokes, each audited.</summary>
[Collection("broker")]
public sealed class RespondCommandTests : IDisposable
{
    private readonly BrokerFixture _broker = new();
    private readonly DynamicSecurityAdmin _admin;

    public RespondCommandTests()
    {
        _admin = DynamicSecurityAdmin.For(_broker.Pki, "localhost", _broker.Port);
    }

    public void Dispose()
    {
        _admin.Dispose();
        _broker.Dispose();
    }

    private string Audit => _broker.Combine("audit.jsonl");

    private ToolResult Respond(string step, string device, params string[] more) => ToolRun.Run(new[]
    {
        "respond", step, device, "--pki", _broker.PkiFolder, "--broker", "localhost:" + _broker.Port.ToString(CultureInfo.InvariantCulture),
        "--actor", "alice", "--reason", "ticket 4711", "--audit", Audit,
    }.Concat(more).ToArray());

    [Fact]
    public async Task Operator_ThrottlesQuarantinesLiftsAndRevokes_EachAudited()
    {
        var (certificate, key) = _broker.Provision("dev-c");
        MqttClientIdentity device = _broker.Client(certificate, key);

        ToolResult throttled = Respond("throttle", "dev-c", "--rate", "12", "--for", "30m");
        Assert.True(throttled.ExitCode == 0, throttled.ToString());
        Assert.Contains("throttle 12/h until", throttled.Output, StringComparison.Ordinal);
        using (var inbox = new MosquittoSubscriber(device, "devices/dev-c/down/throttle", count: 1, timeoutSeconds: 5, format: "%p"))
        {
            Assert.True(inbox.WaitFor(_ => true, TimeSpan.FromSeconds(5)), "the device receives the operator's throttle");
            byte[] payload = System.Text.Encoding.ASCII.GetBytes(inbox.Lines[0]);
            Assert.Equal(DocumentStatus.Valid, new ThrottleCommandParser().TryParse(payload, 0, payload.Length, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), out ThrottleCommand? command));
            Assert.Equal(12, command!.RatePerHour);
        }

        Assert.Equal(0, Respond("quarantine", "dev-c").ExitCode);
        Assert.Equal(DeviceAccess.Quarantined, (await _admin.GetAsync("dev-c")).Access);
        Assert.Equal(0, Respond("lift", "dev-c").ExitCode);
        Assert.Equal(DeviceAccess.Normal, (await _admin.GetAsync("dev-c")).Access);

        ToolResult noPid = Respond("revoke", "dev-c");
        Assert.Equal(2, noPid.ExitCode);
        ToolResult revoked = Respond("revoke", "dev-c", "--broker-pid", _broker.Broker.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Contains("broker client deleted", revoked.Output, StringComparison.Ordinal);
        Assert.Equal(DeviceAccess.Unregistered, (await _admin.GetAsync("dev-c")).Access);
        Assert.True(SpinWait.SpinUntil(() => MosquittoPublisher.Publish(device, "devices/dev-c/up/health", "x").ExitCode != 0, 5000), "the reloaded broker refuses the revoked certificate");

        ToolResult again = Respond("quarantine", "dev-c");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("DeviceRevoked", again.Error, StringComparison.Ordinal);
        Assert.Equal("", again.Output);

        using var audit = new FileActionAudit(Audit);
        Assert.Equal(
            new[] { "throttle started", "throttle done", "quarantine started", "quarantine done", "lift started", "lift done", "revoke started", "revoke done", "quarantine failed" },
            audit.Read("dev-c").Select(r => FileName(r.Kind) + " " + FileName(r.Outcome)));
        Assert.All(audit.Read("dev-c"), r => Assert.Equal(("alice", "ticket 4711"), (r.Actor, r.Reason)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Audit));
    }

    [Theory]
    [InlineData("dev-none", "alice", 2)]
    [InlineData("dev-c", "service", 2)]
    [InlineData("dev-c", "ali\u001bce", 2)]
    public void BadInput_IsOneLineExitTwo_NothingRevoked(string device, string actor, int exit)
    {
        _broker.Provision("dev-c");
        ToolResult result = ToolRun.Run("respond", "revoke", device, "--pki", _broker.PkiFolder, "--broker", "localhost:" + _broker.Port.ToString(CultureInfo.InvariantCulture),
            "--actor", actor, "--reason", "r", "--audit", Audit, "--broker-pid", _broker.Broker.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(exit, result.ExitCode);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("\u001b", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\"revoked\"", File.ReadAllText(_broker.Pki.Inventory), StringComparison.Ordinal);
    }

    private static string FileName<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
