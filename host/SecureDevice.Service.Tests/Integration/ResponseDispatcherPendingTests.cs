using System;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet.Broker;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The action's intent is written (pending) before the mechanism changes anything, and an action whose intent cannot be
/// written is not carried out; a row left pending (its completion failed after the broker changed, or the process
/// died) is completed by the reconciler from what the broker and the inventory hold, once, and only when it is older
/// than <see cref="ResponseDispatcher.ReconcileAfter"/>. Before, the broker's change stood while the database kept the
/// old state and nothing ever put them back in agreement (a lift whose record failed left the device "quarantined" in
/// the database with its role back at the broker). Real store of each dialect; failures are triggers planted by the
/// test; the broker is the mechanism's <see cref="IDeviceResponse.ReadAsync"/> answer (the real broker:
/// <see cref="OperatorResponseTests"/>).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ResponseDispatcherPendingTests : IDisposable
{
    private const string Device = "dev-pending-001";
    private const long T0 = 1_800_000_000_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly long Bound = (long)ResponseDispatcher.ReconcileAfter.TotalMilliseconds;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("dispatch-pending");

    public ResponseDispatcherPendingTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_WhenTheMechanismRuns_ItsActionIsAlreadyRecordedPending(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            string? seen = null;
            var mechanism = new Mechanism { OnCall = async () => seen = string.Join(",", (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome)) };
            var dispatcher = Dispatcher(mechanism, store, new Clock(T0));

            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None)).Done);

            Assert.Equal("quarantine pending", seen);
            ActionRecord action = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal(("done", T0, (long?)T0), (action.Outcome, action.AtMs, action.CompletedMs));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_TheIntentCannotBeRecorded_TheMechanismIsNeverCalledAndTheCallerSeesTheFailure(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"INSERT ON {Tables.Actions}");
            var mechanism = new Mechanism();

            ActionNotStartedException error = await Assert.ThrowsAsync<ActionNotStartedException>(() => Dispatcher(mechanism, store, new Clock(T0)).ExecuteAsync(Request(DeviceActionKind.Quarantine), None));

            Assert.Equal(0, mechanism.Calls);
            Assert.IsAssignableFrom<DbException>(error.InnerException);
            Assert.Contains("nothing was done", error.Message, StringComparison.Ordinal);
            Assert.Empty(await store.ListActionsAsync(Device, 10, None));
        }
    }

    /// <summary>
    /// A quarantine took at the broker, then the transaction of its outcome failed (the presence cut's event): the row
    /// stays pending and the device "normal". The reconciler, once the row is older than the bound, reads the broker
    /// (quarantined) and completes it done, with the state and the cut it would have had.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_AQuarantineWhoseRecordFailed_IsCompletedDoneFromTheBroker(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            var clock = new Clock(T0);
            var mechanism = new Mechanism { Truth = new DeviceTruth(true, false, DeviceAccess.Quarantined, false, "the broker holds quarantined") };
            var dispatcher = Dispatcher(mechanism, store, clock);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"INSERT ON {Tables.Events}");
            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None));
            await StoreFactory.RemoveFailureAsync(sql, dialect, Tables.Events);
            Assert.Equal(ActionRecord.Pending, Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);

            clock.NowMs = T0 + Bound + 1;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            ActionRecord action = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal(("done", T0, (long?)(T0 + Bound + 1)), (action.Outcome, action.AtMs, action.CompletedMs));
            Assert.StartsWith("reconciled after a failed record: ", action.Detail, StringComparison.Ordinal);
            DeviceRecord device = (await store.GetDeviceAsync(Device, None))!;
            Assert.Equal(("quarantined", "offline", "quarantined: disconnected by the broker"), (device.ServiceState, device.Presence, device.PresenceReason));
            Assert.Single(await store.ListEventsAsync(Device, 0, 10, None));
            Assert.Equal(0, await dispatcher.ReconcileAsync(None)); // nothing left pending
        }
    }

    /// <summary>
    /// The worst case of the old order: a lift whose record failed left the database saying "quarantined" (and the ladder
    /// at its step) while the broker gave the role back. The reconciler reads the broker's "normal" and completes the
    /// lift done: state normal, the ladder's rows forgotten, as the lift's own record would have.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_ALiftWhoseRecordFailed_IsCompletedDoneAndTheLadderForgotten(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            await store.RecordActionAsync(new ActionRecord(0, Device, "quarantine", "service", "floods", T0 - 1000, "done", null), "quarantined", null,
                LadderChange.Save(new LadderRow(Device, 2, T0 - 2000, T0 - 1000, T0 - 1000, "test")), None);
            var clock = new Clock(T0);
            var mechanism = new Mechanism { Truth = new DeviceTruth(true, false, DeviceAccess.Normal, false, "the broker holds normal") };
            var dispatcher = Dispatcher(mechanism, store, clock);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"UPDATE OF service_state ON {Tables.Devices}");
            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(Request(DeviceActionKind.Lift), None));
            await StoreFactory.RemoveFailureAsync(sql, dialect, Tables.Devices);
            Assert.Equal("quarantined", (await store.GetDeviceAsync(Device, None))!.ServiceState);

            clock.NowMs = T0 + Bound + 1;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            Assert.Equal(new[] { "lift done", "quarantine done" }, (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome));
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Null(await new ServiceStateStore(sql).GetLadderAsync(Device, None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_ARowNewerThanTheBound_IsLeftPendingAndTheBrokerNotAsked(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            await store.BeginActionAsync(new ActionRecord(0, Device, "quarantine", "service", "floods", T0, ActionRecord.Pending, null), None);
            var clock = new Clock(T0 + Bound - 1);
            var mechanism = new Mechanism { Truth = new DeviceTruth(true, false, DeviceAccess.Quarantined, false, "the broker holds quarantined") };
            var dispatcher = Dispatcher(mechanism, store, clock);

            Assert.Equal(0, await dispatcher.ReconcileAsync(None));
            Assert.Equal((ActionRecord.Pending, 0), (Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome, mechanism.Reads));

            clock.NowMs = T0 + Bound + 1;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));
            Assert.Equal(ActionRecord.Done, Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_TwoReconcilersAtOnce_CompleteTheRowOnce(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            await store.BeginActionAsync(new ActionRecord(0, Device, "quarantine", "service", "floods", T0, ActionRecord.Pending, null), None);
            var truth = new DeviceTruth(true, false, DeviceAccess.Quarantined, false, "the broker holds quarantined");
            var clock = new Clock(T0 + Bound + 1);
            // Both have listed the row and read the broker before either completes it: the race, every time.
            var bothRead = new Barrier(2);
            Func<Task> meet = () => Task.Run(() => bothRead.SignalAndWait(TimeSpan.FromSeconds(10)));
            ResponseDispatcher first = Dispatcher(new Mechanism { Truth = truth, OnRead = meet }, store, clock), second = Dispatcher(new Mechanism { Truth = truth, OnRead = meet }, store, clock);

            int[] completed = await Task.WhenAll(first.ReconcileAsync(None), second.ReconcileAsync(None));

            Assert.Equal(1, completed.Sum());
            Assert.Equal(ActionRecord.Done, Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            Assert.Single(await store.ListEventsAsync(Device, 0, 10, None)); // one presence cut, not two
        }
    }

    /// <summary>
    /// A mechanism that outlasts the bound: the reconciler reads the broker meanwhile (not quarantined yet) and completes
    /// the row failed. When the mechanism then answers "done", the dispatcher finds the row completed and writes nothing:
    /// a row is completed once (the caller still gets the mechanism's answer).
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_TheReconcilerCompletedTheRowFirst_TheDispatcherDoesNotCompleteItAgain(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            var clock = new Clock(T0);
            var release = new TaskCompletionSource();
            var called = new TaskCompletionSource();
            var mechanism = new Mechanism
            {
                Truth = new DeviceTruth(true, false, DeviceAccess.Normal, false, "the broker holds normal"),
                OnCall = async () =>
                {
                    called.SetResult();
                    await release.Task;
                },
            };
            var dispatcher = Dispatcher(mechanism, store, clock);
            Task<ActionOutcome> running = dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None);
            await called.Task;

            clock.NowMs = T0 + Bound + 1;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));
            release.SetResult();

            Assert.True((await running).Done);
            ActionRecord action = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal((ActionRecord.Failed, (long?)(T0 + Bound + 1)), (action.Outcome, action.CompletedMs));
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
        }
    }

    public static readonly TheoryData<string, string, string?> Decisions = new()
    {
        // kind, what the mechanisms read (broker access | "unreadable" | "unreadable-permanent"; +revoked) -> outcome state/cut/ladder (null: left pending)
        { "frobnicate", "quarantined", "failed -/-/-" }, // a kind this service does not know: nothing to read
        { "quarantine", "quarantined", "done quarantined/quarantined: disconnected by the broker/-" },
        { "quarantine", "normal", "failed -/-/-" },
        { "quarantine", "unregistered", "failed -/-/-" },
        { "quarantine", "unreadable", null },
        { "quarantine", "unreadable-permanent", "failed -/-/-" },
        { "lift", "normal", "done normal/-/forget" },
        { "lift", "quarantined", "failed -/-/-" },
        { "lift", "unreadable", null },
        { "revoke", "unreadable+revoked", "done -/revoked: disconnected by the broker/-" },
        { "revoke", "normal", "failed -/-/-" },
        { "revoke", "unreadable", null },
        { "revoke", "unreadable-permanent", "failed -/-/-" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Reconcile_ByKindAndWhatTheBrokerHolds_CompletesAsTheDecisionTableSays(string kind, string read, string? expected)
    {
        bool revoked = read.EndsWith("+revoked", StringComparison.Ordinal);
        string access = read.Replace("+revoked", string.Empty, StringComparison.Ordinal);
        DeviceTruth truth = access.StartsWith("unreadable", StringComparison.Ordinal)
            ? DeviceTruth.Unreadable("broker away", transient: access == "unreadable", revoked)
            : new DeviceTruth(true, false, Enum.Parse<DeviceAccess>(access, true), revoked, "the broker holds " + access);

        ActionCompletion? completion = ResponseDispatcher.Reconcile(new ActionRecord(7, Device, kind, "service", "r", T0, ActionRecord.Pending, null), truth, T0 + 1);

        string? got = completion == null ? null
            : completion.Outcome + " " + (completion.ServiceState ?? "-") + "/" + (completion.CutReason ?? "-") + "/" + (completion.Ladder == null ? "-" : completion.Ladder.Step == null ? "forget" : "save");
        Assert.Equal(expected, got);
        Assert.True(completion == null || (completion.Id == 7 && completion.AtMs == T0 + 1 && completion.Detail!.StartsWith("reconciled after a failed record: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Reconcile_AThrottle_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => ResponseDispatcher.Reconcile(new ActionRecord(7, Device, "throttle", "service", "r", T0, ActionRecord.Pending, null),
            new DeviceTruth(true, false, DeviceAccess.Normal, false, "the broker holds normal"), T0 + 1));
    }

    private static readonly long Settled = T0 + (long)ResponseDispatcher.ThrottleSettle.TotalMilliseconds;
    private static readonly long WindowEnd = T0 + (long)ResponseDispatcher.ThrottleWindow.TotalMilliseconds;

    public static readonly TheoryData<string, long?, int, long?, long, string?> ThrottleDecisions = new()
    {
        // actor, the earliest flagged report, unflagged reports, the device's next action, now -> outcome state/cut/ladder (null: left pending)
        { "service", Settled + 5, 0, null, T0 + Bound + 1, "done throttled/-/save 1 since T0" },
        { "service", Settled + 5, 3, null, WindowEnd + 1, "done throttled/-/save 1 since T0" }, // flagged wins, also late
        { "console:ops@127.0.0.1", Settled + 5, 0, null, T0 + Bound + 1, "done throttled/-/-" }, // an operator's throttle: the ladder records none
        { "service", Settled + 5, 0, Settled + 10, T0 + Bound + 1, "done -/-/-" }, // another action followed: its own record says the state and the ladder's step
        { "service", null, 2, null, T0 + Bound + 1, "failed -/-/-" },
        { "service", null, 1, null, T0 + Bound + 1, null }, // one report may have been sampled before the command applied
        { "service", null, 0, null, WindowEnd - 1, null },
        { "service", null, 0, null, WindowEnd, "failed -/-/-" },
        { "service", null, 1, null, WindowEnd, "failed -/-/-" },
        { "service", null, 1, Settled + 10, Settled + 10, "failed -/-/-" }, // the next action ends the window
        { "service", null, 0, Settled + 10, Settled + 9, null },
    };

    [Theory]
    [MemberData(nameof(ThrottleDecisions))]
    public void ReconcileThrottle_ByTheDevicesReports_CompletesAsTheDecisionTableSays(string actor, long? flaggedMs, int unflagged, long? nextMs, long nowMs, string? expected)
    {
        var reports = new ThrottleReports(flaggedMs, unflagged, unflagged > 0 ? Settled + 1 : null, nextMs);

        ActionCompletion? completion = ResponseDispatcher.ReconcileThrottle(new ActionRecord(7, Device, "throttle", actor, "r", T0, ActionRecord.Pending, null), reports, nowMs);

        string? got = completion == null ? null
            : completion.Outcome + " " + (completion.ServiceState ?? "-") + "/" + (completion.CutReason ?? "-") + "/"
                + (completion.Ladder?.Step is LadderRow row ? "save " + row.Step + " since " + (row.ThrottledMs == T0 ? "T0" : row.ThrottledMs + "") : completion.Ladder == null ? "-" : "forget");
        Assert.Equal(expected, got);
        Assert.True(completion == null || (completion.Id == 7 && completion.AtMs == nowMs && completion.Detail!.StartsWith("reconciled after a failed record: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ReconcileThrottle_Details_SayWhatTheDeviceReported()
    {
        var action = new ActionRecord(7, Device, "throttle", "service", "r", T0, ActionRecord.Pending, null);

        Assert.Equal("reconciled after a failed record: the device reports the throttle in force (report received at 2027-01-15T08:02:00.005Z)",
            ResponseDispatcher.ReconcileThrottle(action, new ThrottleReports(Settled + 5, 0, null, null), T0 + Bound)!.Detail);
        Assert.Equal("reconciled after a failed record: the device reported 3 times since without the throttle in force (last at 2027-01-15T08:03:00.000Z)",
            ResponseDispatcher.ReconcileThrottle(action, new ThrottleReports(null, 3, T0 + 180_000, null), T0 + Bound)!.Detail);
        Assert.Equal("reconciled after a failed record: outcome unknown (the device sent no report while the throttle could have held)",
            ResponseDispatcher.ReconcileThrottle(action, new ThrottleReports(null, 0, null, null), WindowEnd)!.Detail);
        Assert.Equal("reconciled after a failed record: outcome unknown (the device sent only 1 report without the flag before its next action)",
            ResponseDispatcher.ReconcileThrottle(action, new ThrottleReports(null, 1, Settled, Settled + 10), Settled + 10)!.Detail);
    }

    /// <summary>
    /// The ladder's own throttle reached the device, then the transaction of its outcome failed: the row stays pending,
    /// the device "normal", the ladder without its step (the next offence would throttle again). The reconciler waits
    /// while the device has said nothing, then reads its report carrying the Throttled flag and completes the throttle
    /// done with the state and the ladder's step 1 since the intent, as the throttle's own completion would have.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_AThrottleWhoseRecordFailed_IsCompletedDoneFromTheDevicesFlaggedReport(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            var clock = new Clock(T0);
            var mechanism = new Mechanism();
            var dispatcher = Dispatcher(mechanism, store, clock);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"UPDATE OF service_state ON {Tables.Devices}");
            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Throttle, "service", "floods",
                Ladder: LadderChange.Save(new LadderRow(Device, 1, T0, null, T0, "test"))), None));
            await StoreFactory.RemoveFailureAsync(sql, dialect, Tables.Devices);

            // A flagged report received within ThrottleSettle of the intent is not this throttle's evidence (sampled before
            // the command applied, its flag perhaps an earlier lift's): nothing else reported yet, asked again next pass.
            await ReportAsync(store, 1, T0 + 1000, 1 | 16);
            clock.NowMs = Settled + 1000;
            Assert.Equal(0, await dispatcher.ReconcileAsync(None));
            Assert.Equal(ActionRecord.Pending, Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);

            await ReportAsync(store, 2, Settled + 2000, 1 | 16);
            clock.NowMs = Settled + 3000;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            ActionRecord action = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal((ActionRecord.Done, (long?)(Settled + 3000)), (action.Outcome, action.CompletedMs));
            Assert.Contains("the device reports the throttle in force", action.Detail, StringComparison.Ordinal);
            Assert.Equal("throttled", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            LadderRow? ladder = await new ServiceStateStore(sql).GetLadderAsync(Device, None);
            Assert.Equal((1, (long?)T0), (ladder!.Step, ladder.ThrottledMs));
            Assert.Equal(0, mechanism.Reads); // the broker is not asked about a throttle
        }
    }

    /// <summary>
    /// More deferred throttles than a page (silent devices: each stays pending for up to 24 h) are older than a pending
    /// quarantine the broker says took: one pass still reaches and completes the quarantine. Before, a pass read the 100
    /// oldest rows only, all deferred, and the quarantine waited until the throttles' windows ended.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_MoreDeferredThrottlesThanAPageBeforeAQuarantine_OnePassCompletesTheQuarantine(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            for (int i = 0; i <= ResponseDispatcher.ReconcileBatch; i++)
            {
                // Devices that never reported (not even registered: no report can join): deferred until the window ends.
                await store.BeginActionAsync(new ActionRecord(0, "dev-silent-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), "throttle", "service", "floods",
                    T0 - 1000 + i, ActionRecord.Pending, null), None);
            }

            long quarantine = await store.BeginActionAsync(new ActionRecord(0, Device, "quarantine", "service", "floods", T0, ActionRecord.Pending, null), None);
            var mechanism = new Mechanism { Truth = new DeviceTruth(true, false, DeviceAccess.Quarantined, false, "the broker holds quarantined") };
            var dispatcher = Dispatcher(mechanism, store, new Clock(T0 + Bound + 1));

            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            Assert.Equal((ActionRecord.Done, 1), (Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome, mechanism.Reads));
            Assert.Equal(ResponseDispatcher.ReconcileBatch + 1, (await store.ListPendingActionsAsync(T0 + Bound + 1, null, 1000, None)).Count(a => a.Kind == "throttle" && a.Id != quarantine));
        }
    }

    /// <summary>
    /// A pass that runs out of time (a slow broker) stops after the row in hand, and the next pass resumes after it
    /// instead of reading the oldest rows again; a resumed pass that reaches the newest wraps around to the oldest and
    /// stops before the rows it read already.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_APassOutOfTime_TheNextPassResumesAfterTheLastRowRead(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            await store.BeginActionAsync(new ActionRecord(0, "dev-first", "quarantine", "service", "floods", T0 - 2, ActionRecord.Pending, null), None);
            await store.BeginActionAsync(new ActionRecord(0, "dev-second", "quarantine", "service", "floods", T0 - 1, ActionRecord.Pending, null), None);
            // The broker cannot be read (deferred, every pass), and each reading of the monotonic clock is a pass's whole time.
            var mechanism = new Mechanism();
            var clock = new Clock(T0 + Bound + 1) { TimestampStepMs = (long)ResponseDispatcher.ReconcilePassTime.TotalMilliseconds };
            var dispatcher = Dispatcher(mechanism, store, clock);

            await dispatcher.ReconcileAsync(None);
            await dispatcher.ReconcileAsync(None);
            Assert.Equal(new[] { "dev-first", "dev-second" }, mechanism.ReadDevices);

            clock.TimestampStepMs = 0; // resumed after dev-second: nothing newer, wraps around to dev-first and dev-second, then stops
            await dispatcher.ReconcileAsync(None);
            await dispatcher.ReconcileAsync(None); // from the oldest again
            Assert.Equal(new[] { "dev-first", "dev-second", "dev-first", "dev-second", "dev-first", "dev-second" }, mechanism.ReadDevices);
        }
    }

    /// <summary>Stores one health report of the device as ingest would (boot 1, sequence <paramref name="seq"/>).</summary>
    private static async Task ReportAsync(FleetStore store, long seq, long receivedMs, long flags)
    {
        long deviceRef = (await store.GetDeviceAsync(Device, None))!.Ref;
        var batch = new IngestBatch();
        batch.Health.Add(new HealthRow(deviceRef, Device, receivedMs, 1, seq, 60, 1, 3300, 190, 110, 75, 10, 600, -60, 1, 0, 1, flags, new byte[] { 0xA0, (byte)seq }));
        await store.CommitAsync(batch, None);
    }

    private static ResponseDispatcher Dispatcher(IDeviceResponse mechanism, FleetStore store, TimeProvider clock) =>
        new(mechanism, store, new ServiceMetrics(), NullLogger.Instance, clock);

    private static DeviceActionRequest Request(DeviceActionKind kind) => new(Device, kind, "console:ops@127.0.0.1", "test");

    private static Task RegisterAsync(FleetStore store) =>
        store.SyncRegistryAsync(new[] { new RegistryEntry(Device, "acme", "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, "active", null) }, T0, None);

    /// <summary>The response mechanism reduced to its answer (done) and to what it reads at the broker.</summary>
    private sealed class Mechanism : IDeviceResponse
    {
        private int _calls;
        private int _reads;

        public Func<Task>? OnCall { get; init; }

        public DeviceTruth Truth { get; init; } = DeviceTruth.Unreadable("not set", transient: true);

        public int Calls => _calls;

        public int Reads => _reads;

        public System.Collections.Concurrent.ConcurrentQueue<string> ReadDevices { get; } = new();

        public Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (OnCall != null)
            {
                await OnCall();
            }

            return ActionOutcome.Succeeded(request.Kind + " done");
        }

        public Func<Task>? OnRead { get; init; }

        public async Task<DeviceTruth> ReadAsync(string deviceId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            ReadDevices.Enqueue(deviceId);
            if (OnRead != null)
            {
                await OnRead();
            }

            return Truth;
        }
    }

    private sealed class Clock(long nowMs) : TimeProvider
    {
        private long _timestampMs;

        public long NowMs { get; set; } = nowMs;

        /// <summary>How far the monotonic clock moves at each reading (0: it stands still, no pass runs out of time).</summary>
        public long TimestampStepMs { get; set; }

        public override long TimestampFrequency => 1000;

        public override long GetTimestamp() => _timestampMs += TimestampStepMs;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
    }
}
