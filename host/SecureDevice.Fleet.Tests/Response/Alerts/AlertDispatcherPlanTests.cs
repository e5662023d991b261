using System;
using System.Linq;
using System.Threading.Tasks;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Response.Alerts;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

/// <summary>
/// <see cref="AlertDispatcher.Plan"/>: an alert decided for a caller's transaction (the service's action completion)
/// leaves nothing behind until the caller says it committed: no delivery waiting, no de-duplication state, and no place
/// in the customer's summary (a summary must not count an action whose record did not commit).
/// </summary>
public sealed class AlertDispatcherPlanTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly Clock _clock = new(T0);
    private readonly MemoryAlertStore _store = new();
    private readonly WebhookSender _webhook = new(allowLoopback: false);

    public void Dispose() => _webhook.Dispose();

    [Fact]
    public void Plan_Queued_NothingWaitsUntilCommitted_ThenOnce()
    {
        AlertDispatcher alerts = Dispatcher(perWindow: 3);

        AlertPlan plan = alerts.Plan(Quarantined("dev-1"));

        Assert.Equal(NotifyStatus.Queued, plan.Status);
        AlertDelivery planned = Assert.Single(plan.Deliveries);
        Assert.Equal(("acme|dev-1|response", "quarantined"), (plan.Key, plan.State));
        Assert.Empty(_store.Deliveries());
        Assert.Null(_store.LastState("acme|dev-1|response"));
        Assert.Equal((0, 0L), (alerts.QueueDepth, alerts.Counters.Queued));

        // The caller's transaction wrote the rows and committed.
        _store.Save(planned);
        _store.SetLastState(plan.Key!, plan.State!);
        plan.Committed();
        plan.Committed();

        Assert.Equal((1, 1L), (alerts.QueueDepth, alerts.Counters.Queued));
        Assert.Equal(NotifyStatus.Duplicate, alerts.Plan(Quarantined("dev-1")).Status);
    }

    [Fact]
    public async Task Plan_OverTheRate_CountedIntoTheSummaryOnlyOnceCommitted()
    {
        AlertDispatcher alerts = Dispatcher(perWindow: 1);
        Assert.Equal(NotifyStatus.Queued, alerts.Notify(Quarantined("dev-1")));

        AlertPlan abandoned = alerts.Plan(Quarantined("dev-2"));
        AlertPlan committed = alerts.Plan(Quarantined("dev-3"));

        Assert.Equal((NotifyStatus.Summarized, NotifyStatus.Summarized), (abandoned.Status, committed.Status));
        Assert.Empty(committed.Deliveries);
        Assert.Equal(0L, alerts.Counters.Summarized);
        committed.Committed();
        Assert.Equal(1L, alerts.Counters.Summarized);

        _clock.Now = T0.AddMinutes(10);
        await alerts.DeliverDueAsync();

        AlertDelivery summary = Assert.Single(_store.Deliveries(), d => d.Kind == "summary");
        Assert.Contains("\"count\":1", summary.Body, StringComparison.Ordinal);
        Assert.Contains("dev-3", summary.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("dev-2", summary.Body, StringComparison.Ordinal);
    }

    private AlertDispatcher Dispatcher(int perWindow) =>
        new(new MemoryCustomerContacts(new CustomerContacts("acme", new Uri("http://127.0.0.1:9/hook"), new byte[32], Array.Empty<string>())), _store, _webhook, null, _clock,
            options: new AlertDispatcherOptions { PerWindow = perWindow });

    private AlertEvent Quarantined(string device) => AlertEvent.ForAction("acme", new ActionRecord
    {
        ActionId = "0123456789abcdef01234567", Time = _clock.GetUtcNow(), DeviceId = device, Kind = ActionKind.Quarantine, Actor = "service", Origin = "service",
        Reason = "test", Outcome = ActionOutcome.Done, Status = ActionStatus.Done, Detail = "role replaced by 'quarantined'; connection ended",
    });

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
