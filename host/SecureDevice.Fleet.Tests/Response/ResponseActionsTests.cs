using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Fleet.Tests.Response.Alerts;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response;

/// <summary>The ladder's rules with in-memory broker and publisher: audit first, fail closed, refusals, alerts. The real broker: Tool.Tests/Response.</summary>
public sealed class ResponseActionsTests
{
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly MemoryActionAudit _audit = new();
    private readonly FakeBroker _broker = new();
    private readonly FakePublisher _publisher = new();
    private readonly FakeRevoker _revoker = new();
    private readonly List<AlertEvent> _alerts = new();

    private ResponseActions Actions() => new(new FakeDirectory(), _audit, _publisher, _broker, _revoker, _time, new Sink(_alerts));

    [Fact]
    public async Task Throttle_PublishesRetainedExpiringCommand_AuditsStartAndEnd_AlertsTheOwner()
    {
        ActionResult result = await Actions().ThrottleAsync("dev-1", "service", "flooding 40 msgs/min", "ingest-1", new ThrottleSpec(12, TimeSpan.FromMinutes(30)));
        Assert.True(result.Succeeded, result.Record.Detail);
        DeviceCommand sent = Assert.Single(_publisher.Sent);
        Assert.Equal("devices/dev-1/down/throttle", sent.Topic);
        Assert.True(sent.Retain);
        Assert.Equal(TimeSpan.FromMinutes(30), sent.Expiry);
        Assert.Equal("{\"rate\":12,\"until\":\"2026-11-22T10:30:00Z\"}", System.Text.Encoding.ASCII.GetString(sent.Payload));
        Assert.Equal(new[] { ActionOutcome.Started, ActionOutcome.Done }, _audit.Read().Select(r => r.Outcome));
        Assert.All(_audit.Read(), r => Assert.Equal(("service", "ingest-1", "flooding 40 msgs/min"), (r.Actor, r.Origin, r.Reason)));
        AlertEvent alert = Assert.Single(_alerts);
        Assert.Equal(("acme", "throttle", "response", "throttled"), (alert.CustomerId, alert.Kind, alert.Subject, alert.State));
    }

    [Fact]
    public async Task AuditUnavailable_NothingIsDone()
    {
        _audit.Failing = true;
        ActionResult result = await Actions().QuarantineAsync("dev-1", "alice", "not our firmware", "192.0.2.7");
        Assert.Equal((ActionOutcome.Failed, ActionStatus.AuditUnavailable), (result.Outcome, result.Status));
        Assert.Empty(_broker.Calls);
        Assert.Empty(_alerts);
    }

    [Theory]
    [InlineData("dev/#", "service", "r")]
    [InlineData("dev+1", "service", "r")]
    [InlineData("dev-1", "", "r")]
    [InlineData("dev-1", "service", "line\nbreak")]
    [InlineData("dev-1", "ser\u202evice", "r")]
    public async Task BadRequest_IsRefused_NothingDoneOrAudited(string device, string actor, string reason)
    {
        ActionResult result = await Actions().ThrottleAsync(device, actor, reason);
        Assert.Equal(ActionStatus.InvalidRequest, result.Status);
        Assert.Empty(_publisher.Sent);
        Assert.Empty(_audit.Read());
    }

    [Fact]
    public async Task UnknownOrRevokedDevice_IsRefusedAndAudited_RevokeStillApplies()
    {
        ResponseActions actions = Actions();
        Assert.Equal(ActionStatus.UnknownDevice, (await actions.QuarantineAsync("nobody", "alice", "r", "h")).Status);
        Assert.Equal(ActionStatus.DeviceRevoked, (await actions.LiftAsync("dev-revoked", "alice", "r", "h")).Status);
        Assert.Empty(_broker.Calls);
        Assert.Equal(2, _audit.Read().Count(r => r.Outcome == ActionOutcome.Failed));
        ActionResult revoke = await actions.RevokeAsync("dev-revoked", "alice", "stolen", "h");
        Assert.True(revoke.Succeeded, revoke.Record.Detail);
        Assert.Equal(new[] { "remove dev-revoked" }, _broker.Calls);
    }

    [Fact]
    public async Task Lift_RestoresTheRoleFirst_ThenSendsTheLiftCommand()
    {
        ActionResult result = await Actions().LiftAsync("dev-1", "alice", "fixed", "h");
        Assert.True(result.Succeeded);
        Assert.Equal(new[] { "release dev-1" }, _broker.Calls);
        Assert.Equal("{\"rate\":3600,\"until\":\"2026-11-22T10:02:00Z\"}", System.Text.Encoding.ASCII.GetString(_publisher.Sent.Single().Payload));
        Assert.Equal("normal", _alerts.Single().State);
    }

    [Fact]
    public async Task BrokerDown_IsAFailedOutcome_NoAlert()
    {
        _broker.Status = BrokerAccessStatus.Unreachable;
        ActionResult result = await Actions().QuarantineAsync("dev-1", "service", "r", "h");
        Assert.Equal((ActionOutcome.Failed, ActionStatus.BrokerUnreachable), (result.Outcome, result.Status));
        Assert.Equal(ActionOutcome.Failed, _audit.Read().Last().Outcome);
        Assert.Empty(_alerts);
    }

    [Theory]
    [InlineData("service")]
    [InlineData("Service ")]
    public async Task Revoke_ByTheAutomaticActor_IsRefused_NothingRevoked(string actor)
    {
        ActionResult result = await Actions().RevokeAsync("dev-1", actor, "coin-miner finding", "service");
        Assert.Equal((ActionOutcome.Failed, ActionStatus.InvalidRequest), (result.Outcome, result.Status));
        Assert.Contains("operator's decision", result.Record.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _revoker.Calls);
        Assert.Empty(_audit.Read("dev-1"));
    }

    [Fact]
    public async Task Revoke_PkiBusy_IsReported_AndTheBrokerIsUntouched()
    {
        _revoker.Busy = true;
        ActionResult result = await Actions().RevokeAsync("dev-1", "alice", "stolen", "h");
        Assert.Equal(ActionStatus.PkiBusy, result.Status);
        Assert.Empty(_broker.Calls);
    }

    [Fact]
    public async Task ThrottleThenQuarantine_TheOwnersWebhookReceivesBothSigned_ARepeatIsNotSentAgain()
    {
        byte[] secret = System.Text.Encoding.ASCII.GetBytes("acme-webhook-secret-0123456789abcdef");
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using var sender = new WebhookSender(allowLoopback: true, timeout: TimeSpan.FromSeconds(5));
        var dispatcher = new AlertDispatcher(new MemoryCustomerContacts(new CustomerContacts("acme", receiver.Url, secret, Array.Empty<string>())),
            new MemoryAlertStore(), sender, null, _time, () => 0.5);
        var actions = new ResponseActions(new FakeDirectory(), _audit, _publisher, _broker, _revoker, _time, dispatcher);

        Assert.True((await actions.ThrottleAsync("dev-1", "service", "invalid payloads 40/min", "ingest-1")).Succeeded);
        Assert.True((await actions.QuarantineAsync("dev-1", "service", "ignored the throttle", "ingest-1")).Succeeded);
        Assert.True((await actions.QuarantineAsync("dev-1", "service", "still flooding", "ingest-1")).Succeeded);
        await dispatcher.DeliverDueAsync();

        Assert.Equal(new[] { "throttle throttled", "quarantine quarantined" }, receiver.Received.Select(h =>
        {
            var body = System.Text.Json.Nodes.JsonNode.Parse(h.Body)!;
            return body["kind"]!.GetValue<string>() + " " + body["state"]!.GetValue<string>();
        }));
        Assert.All(receiver.Received, h => Assert.Equal(SignatureStatus.Valid, WebhookSignature.Verify(secret, h.Signature, h.Body, _time.GetUtcNow(), WebhookSignature.DefaultTolerance)));
        Assert.Equal(1, dispatcher.Counters.Duplicates);
        Assert.Equal(6, _audit.Read("dev-1").Count);
    }

    private sealed class FakeDirectory : IDeviceDirectory
    {
        public DeviceInfo? Find(string deviceId) => deviceId switch
        {
            "dev-1" => new DeviceInfo("dev-1", "acme", DeviceStatus.Active),
            "dev-revoked" => new DeviceInfo("dev-revoked", "acme", DeviceStatus.Revoked),
            _ => null,
        };
    }

    private sealed class FakePublisher : IDeviceCommandPublisher
    {
        public List<DeviceCommand> Sent { get; } = new();

        public Task<BrokerAccessResult> PublishAsync(DeviceCommand command, CancellationToken cancellation = default)
        {
            Sent.Add(command);
            return Task.FromResult(new BrokerAccessResult(BrokerAccessStatus.Done, "ok"));
        }
    }

    private sealed class FakeRevoker : IRevoker
    {
        public bool Busy { get; set; }

        public int Calls { get; private set; }

        public RevocationResult Revoke(string deviceId, DateTimeOffset now) => ++Calls > 0 && Busy
            ? throw new FleetException(FleetError.Busy, "locked")
            : new RevocationResult(RevocationOutcome.Revoked, new InventoryEntry { Id = deviceId, Serial = "0A" }, 2, "crl.pem");
    }

    private sealed class FakeBroker : IBrokerAccessControl
    {
        public List<string> Calls { get; } = new();

        public BrokerAccessStatus Status { get; set; } = BrokerAccessStatus.Done;

        public Task<BrokerAccessResult> RegisterAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellation = default) => Do("register " + string.Join(",", deviceIds));

        public Task<BrokerAccessResult> QuarantineAsync(string deviceId, CancellationToken cancellation = default) => Do("quarantine " + deviceId);

        public Task<BrokerAccessResult> ReleaseAsync(string deviceId, CancellationToken cancellation = default) => Do("release " + deviceId);

        public Task<BrokerAccessResult> RemoveAsync(string deviceId, CancellationToken cancellation = default) => Do("remove " + deviceId);

        public Task<(BrokerAccessResult Result, DeviceAccess Access)> GetAsync(string deviceId, CancellationToken cancellation = default) => throw new NotSupportedException();

        public Task<BrokerSyncResult> SyncAsync(Inventory inventory, CancellationToken cancellation = default) => throw new NotSupportedException();

        private Task<BrokerAccessResult> Do(string call)
        {
            if (Status == BrokerAccessStatus.Done)
            {
                Calls.Add(call);
            }

            return Task.FromResult(new BrokerAccessResult(Status, Status.ToString()));
        }
    }

    private sealed class Sink(List<AlertEvent> alerts) : IAlertSink
    {
        public NotifyStatus Notify(AlertEvent alert)
        {
            alerts.Add(alert);
            return NotifyStatus.Queued;
        }
    }
}
