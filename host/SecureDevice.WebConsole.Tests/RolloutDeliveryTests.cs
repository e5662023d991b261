using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using SecureDevice.Fleet.Broker;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Updates;
using Xunit;
using static SecureDevice.WebConsole.Tests.RolloutWaveTests;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The last wave judged to a final state, answers retried under backoff or refused for good, and the worker paging
/// through every due rollout (docs/console.md, "Rollouts and waves").
/// </summary>
public sealed class RolloutDeliveryTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>The last wave is judged like any: confirmed within the threshold completes (audited); over it, or silent past the deadline, fails (audited, feed alert, the owner's signed webhook, page and API).</summary>
    [Theory]
    [InlineData("confirmed", false, WaveState.Completed)]
    [InlineData("rejected:hash-mismatch", false, WaveState.Failed)]
    [InlineData(null, true, WaveState.Failed)] // silent past the deadline
    public async Task LastWave_IsJudged_CompletedOrFailed_AuditedAlertedAndShown(string? outcome, bool late, WaveState expected)
    {
        byte[] secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using var inbox = SecureDevice.Lab.Alerts.WebhookInbox.Start(secret);
        using var webhook = new SecureDevice.Fleet.Response.Alerts.WebhookSender(allowLoopback: true);
        var dispatcher = new SecureDevice.Fleet.Response.Alerts.AlertDispatcher(
            new SecureDevice.Fleet.Response.Alerts.MemoryCustomerContacts(new SecureDevice.Fleet.Response.Alerts.CustomerContacts(ConsoleTestHost.Acme, inbox.Url, secret, Array.Empty<string>())),
            new SecureDevice.Fleet.Response.Alerts.MemoryAlertStore(), webhook, null);
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { Alerts = dispatcher });
        (long rollout, string token) = await OfferStagedAsync(host, "\"firstWave\":4,\"haltPercent\":0,\"waveTimeoutMinutes\":30", "[4,1]");
        foreach (string device in Acme.Take(4))
        {
            await ReportAsync(host, device, "confirmed");
        }

        Assert.Equal(1, await host.TickAsync()); // wave 1 within the threshold: advance
        Assert.Equal(1, await host.TickAsync()); // wave 2, the last, published: judged like any
        WaveRecord last = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal((WaveState.Judging, 2, true), (last.State, last.CurrentWave, last.LastWave));
        Assert.Equal(0, await host.TickAsync()); // the last device has not answered: waiting
        if (outcome != null)
        {
            await ReportAsync(host, Acme[4], outcome);
        }

        if (late)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(29));
            Assert.Equal(0, await host.TickAsync());
            host.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(1, await host.TickAsync());
        WaveRecord final = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal((expected, 2, RolloutWaveRunner.Worker), (final.State, final.CurrentWave, final.ChangedBy));
        Assert.Contains("wave 2 of 2: ", final.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await host.TickAsync()); // final: nothing moves it
        Assert.Equal(5, host.Publisher!.Commands.Count);
        string name = RolloutWaves.Name(expected);
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout." + name && a.Subject.StartsWith("rollout " + rollout + ": wave 2 of 2", StringComparison.Ordinal));

        using ConsoleClient api = host.Client();
        using (JsonDocument json = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/rollouts/" + rollout, token)).Body))
        {
            Assert.Equal(name, json.RootElement.GetProperty("state").GetString());
        }

        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient page = host.Client();
        await page.LoginAsync(viewer);
        Assert.Contains("Staged: " + name, (await page.GetAsync("/updates/" + rollout)).Body, StringComparison.Ordinal);

        bool failed = expected == WaveState.Failed;
        Assert.Equal(failed, (await host.Store.ListAlertsAsync(ConsoleTestHost.Acme, 50, None)).Any(a => a.Kind == "rollout-failed"));
        await dispatcher.DeliverDueAsync();
        if (failed)
        {
            SecureDevice.Lab.Alerts.ReceivedAlert hook = Assert.Single(inbox.Snapshot());
            Assert.True(hook.SignatureValid);
            Assert.Equal(("rollout-failed", "failed", null), (hook.Kind, hook.State, hook.Device));
            Assert.Contains("Update rollout " + rollout + " (" + ConsoleTestHost.Bundle, hook.Body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(inbox.Snapshot());
        }
    }

    /// <summary>
    /// One wave of five: the broker refuses one device's topic for good (PUBACK topic name invalid), one device was revoked
    /// and one quarantined after the offer. Those three are recorded failed with the reason (rollout, action audit, API),
    /// never published again, and never hold up the other two; the judge counts them as failed.
    /// </summary>
    [Fact]
    public async Task PermanentRefusals_FailThatDeviceWithTheReason_NeverRetried_NeverBlockTheOthers()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        (long rollout, string token) = await OfferStagedAsync(host, "\"waves\":\"100%\",\"haltPercent\":60", "[5]", publish: false);
        host.Publisher!.ByTopic[Topic(Acme[0])] = new BrokerAccessResult(BrokerAccessStatus.NotAuthorized, "the broker refused " + Topic(Acme[0]) + ": TopicNameInvalid")
        {
            PublishReason = MqttClientPublishReasonCode.TopicNameInvalid,
        };
        await SetStatusAsync(host, Acme[1], "revoked");
        await host.Store.RecordActionAsync(new ActionRecord(0, Acme[2], "quarantine", "service", "test", 1000, "done", null), "quarantined", null, null, None);

        Assert.Equal(1, await host.TickAsync()); // published or refused: judging
        Assert.Equal(new[] { Topic(Acme[0]), Topic(Acme[3]), Topic(Acme[4]) }, host.Publisher.Commands.Select(c => c.Topic)); // nothing to the revoked or quarantined device
        IReadOnlyList<RolloutDeviceRecord> recorded = await host.App.Services.GetRequiredService<UpdateOffers>().Rollouts.DevicesAsync(rollout, None);
        Assert.Equal(new[] { "failed", "failed", "failed", "published", "published" }, recorded.Select(d => d.Outcome));
        Assert.Equal("refused for good, not retried: the broker refused " + Topic(Acme[0]) + ": TopicNameInvalid", recorded[0].Detail);
        Assert.Equal("not published: the device is revoked", recorded[1].Detail);
        Assert.Equal("not published: the device is quarantined", recorded[2].Detail);
        Assert.Contains(await host.Store.ListActionsAsync(Acme[1], 10, None), a => a.Kind == "offer" && a.Outcome == "failed" && a.Detail!.EndsWith("not published: the device is revoked", StringComparison.Ordinal));
        WaveRecord judging = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(WaveState.Judging, judging.State);
        Assert.Contains("3 refused for good", judging.Detail, StringComparison.Ordinal);

        using ConsoleClient api = host.Client();
        using (JsonDocument json = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/rollouts/" + rollout, token)).Body))
        {
            JsonElement first = json.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("device").GetString() == Acme[0]);
            Assert.Equal("failed", first.GetProperty("broker").GetString());
            Assert.Contains("TopicNameInvalid", first.GetProperty("brokerDetail").GetString(), StringComparison.Ordinal);
        }

        // Never retried: later passes publish nothing more; three failed of five is 60 %, not above the threshold.
        await ReportAsync(host, Acme[3], "confirmed");
        await ReportAsync(host, Acme[4], "confirmed");
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(WaveState.Completed, (await Waves(host).GetAsync(rollout, None))!.State);
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(3, host.Publisher.Commands.Count);
    }

    /// <summary>
    /// Answers to retry (no connection, quota exceeded, the operator identity refused at CONNACK) record nothing for the
    /// device; the rollout waits a jittered backoff that grows to the cap, then halts at the retry limit (audited, alerted).
    /// </summary>
    [Fact]
    public async Task TransientAnswers_AreRetriedUnderBoundedJitteredBackoff_ThenTheRolloutHalts()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with
        {
            PublishRetryBase = TimeSpan.FromSeconds(5), PublishRetryCap = TimeSpan.FromSeconds(40), PublishRetryLimit = TimeSpan.FromMinutes(10), Random = () => uint.MaxValue,
        });
        (long rollout, _) = await OfferStagedAsync(host, "\"waves\":\"100%\"", "[5]", publish: false);
        host.Publisher!.ByTopic[Topic(Acme[1])] = new BrokerAccessResult(BrokerAccessStatus.NotAuthorized, "the broker refused " + Topic(Acme[1]) + ": QuotaExceeded")
        {
            PublishReason = MqttClientPublishReasonCode.QuotaExceeded,
        };
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(2, host.Publisher.Commands.Count); // the first published, the second asked to wait: the pass stops
        var waits = new List<long>();
        for (int pass = 0; ; pass++)
        {
            WaveRecord waiting = (await Waves(host).GetAsync(rollout, None))!;
            if (waiting.State != WaveState.Publishing)
            {
                break;
            }

            Assert.True(pass < 200, "never halted");
            long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            Assert.True(waiting.RetryAtMs > now, "no backoff: due again at once");
            waits.Add(waiting.RetryAtMs - now);
            Assert.Contains("the broker: NotAuthorized (the broker refused " + Topic(Acme[1]) + ": QuotaExceeded); attempt " + waiting.RetryAttempts, waiting.Detail, StringComparison.Ordinal);
            int before = host.Publisher.Commands.Count;
            host.Clock.Advance(TimeSpan.FromMilliseconds(waiting.RetryAtMs - now - 1));
            Assert.Equal(0, await host.TickAsync()); // not yet due
            Assert.Equal(before, host.Publisher.Commands.Count);
            host.Clock.Advance(TimeSpan.FromMilliseconds(1));
            await host.TickAsync();
            Assert.Equal(before + 1, host.Publisher.Commands.Count); // only the waiting device again; the published one is not repeated
        }

        // Jittered (never below the base), the ceiling doubling to the cap; the limit halts it.
        Assert.Equal(5_000, waits[0]);
        Assert.All(waits, w => Assert.InRange(w, 5_000, 40_000));
        Assert.Equal(Enumerable.Range(1, waits.Count).Select(a => OfferDeliveries.RetryDelayMs(a, 5_000, 40_000, uint.MaxValue)), waits);
        Assert.True(waits.Sum() >= 600_000 - 40_000, "halted before the limit");
        WaveRecord halted = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(WaveState.Halted, halted.State);
        Assert.Contains("the broker asked to retry for 10 min", halted.Detail, StringComparison.Ordinal);
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.halted");
        Assert.Contains(await host.Store.ListAlertsAsync(ConsoleTestHost.Acme, 50, None), a => a.Kind == "rollout-halted");
        Assert.Single(await host.App.Services.GetRequiredService<UpdateOffers>().Rollouts.DevicesAsync(rollout, None)); // nothing recorded for the waiting device
    }

    [Theory]
    [InlineData(BrokerAccessStatus.Done, null, OfferDelivery.Delivered)]
    [InlineData(BrokerAccessStatus.Unreachable, null, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.Timeout, null, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.NotAuthorized, null, OfferDelivery.Retry)] // CONNACK: the operator identity, not this device
    [InlineData(BrokerAccessStatus.Rejected, null, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.QuotaExceeded, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.PacketIdentifierInUse, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.UnspecifiedError, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.ImplementationSpecificError, OfferDelivery.Retry)]
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.NotAuthorized, OfferDelivery.Retry)] // the publisher's role, for every device alike
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.TopicNameInvalid, OfferDelivery.Refused)]
    [InlineData(BrokerAccessStatus.NotAuthorized, MqttClientPublishReasonCode.PayloadFormatInvalid, OfferDelivery.Refused)]
    [InlineData(BrokerAccessStatus.NotAuthorized, (MqttClientPublishReasonCode)0xA0, OfferDelivery.Refused)] // unknown: fail closed, never retried forever
    public void Classify_RetryOrRefuse_ByTheBrokersAnswer(BrokerAccessStatus status, MqttClientPublishReasonCode? reason, OfferDelivery expected) =>
        Assert.Equal(expected, OfferDeliveries.Classify(new BrokerAccessResult(status, "x") { PublishReason = reason }));

    [Theory]
    [InlineData(1, 0u, 5_000)]
    [InlineData(1, uint.MaxValue, 5_000)] // the first wait is the base
    [InlineData(2, 0u, 5_000)]
    [InlineData(2, 5_000u, 10_000)] // full jitter over [5 s, 10 s]
    [InlineData(3, 20_000u, 9_999)] // over [5 s, 20 s]: 20,000 mod 15,001 = 4,999 above the base
    [InlineData(40, 295_000u, 300_000)] // capped
    [InlineData(int.MaxValue, 295_000u, 300_000)] // no overflow
    public void RetryDelay_FullJitterBetweenTheBaseAndTheDoublingCeiling(int attempt, uint random, long expected) =>
        Assert.Equal(expected, OfferDeliveries.RetryDelayMs(attempt, 5_000, 300_000, random));

    /// <summary>More due rollouts than a page: one pass publishes, then judges, every one of them (oldest and newest alike).</summary>
    [Fact]
    public async Task Worker_PagesThroughEveryDueRollout_InOnePass()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { WavePageSize = 2 });
        (long first, _) = await OfferStagedAsync(host, "\"waves\":\"100%\"", "[5]", publish: false);
        RolloutWaveStore waves = Waves(host);
        RolloutRecord offered = (await host.App.Services.GetRequiredService<UpdateOffers>().Rollouts.GetAsync(first, null, None))!;
        var ids = new List<long> { first };
        foreach (string device in Acme)
        {
            long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            ids.Add(await waves.AddAsync(offered with { CreatedMs = now, Devices = 1, Target = "device " + device }, WavePlan.AllAtOnce, new[] { new[] { device } }, now, "console:o@127.0.0.1", None));
        }

        Assert.Equal(6, await host.TickAsync()); // 6 rollouts over 3 pages
        Assert.Equal(10, host.Publisher!.Commands.Count);
        foreach (long id in ids)
        {
            Assert.Equal(WaveState.Judging, (await waves.GetAsync(id, None))!.State);
        }

        foreach (string device in Acme)
        {
            await ReportAsync(host, device, "confirmed");
        }

        Assert.Equal(6, await host.TickAsync());
        foreach (long id in ids)
        {
            Assert.Equal(WaveState.Completed, (await waves.GetAsync(id, None))!.State);
        }
    }

    /// <summary>
    /// A pass has a time budget (here a clock on which every read costs a second, so a pass is slow and measurable): it
    /// stops once the budget is spent, and the next pass resumes after the last rollout it visited. Six rollouts wait in
    /// judging (nobody answered) before a seventh whose device confirmed: a worker that always started at the first
    /// rollout would spend every pass on the waiting six and never judge the seventh.
    /// </summary>
    [Fact]
    public async Task Worker_PassOverItsBudget_StopsThere_NextPassResumesAfterTheCut_LaterRolloutsNotStarved()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { WavePageSize = 2 });
        (List<long> waiting, long answered) = await SixWaitingBeforeOneAnsweredAsync(host);
        RolloutWaveStore waves = Waves(host);
        RolloutWaveRunner runner = SlowRunner(host);
        TimeSpan budget = TimeSpan.FromSeconds(8);
        var took = new List<TimeSpan>();
        while ((await waves.GetAsync(answered, None))!.State == WaveState.Judging)
        {
            Assert.True(took.Count < 7, "the answered rollout was never judged: passes took " + string.Join(", ", took));
            DateTimeOffset start = host.Clock.GetUtcNow();
            await runner.TickAsync(budget, None);
            took.Add(host.Clock.GetUtcNow() - start);
        }

        Assert.Equal(WaveState.Completed, (await waves.GetAsync(answered, None))!.State);
        Assert.True(took.Count >= 2, "one pass judged all seven: the budget cut nothing (" + took[0] + ")");
        // A pass ends at the first check past its budget: over it by at most one rollout's step (a few reads here).
        Assert.All(took, t => Assert.InRange(t, TimeSpan.Zero, budget + TimeSpan.FromSeconds(6)));
        foreach (long id in waiting)
        {
            Assert.Equal(WaveState.Judging, (await waves.GetAsync(id, None))!.State);
        }

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => runner.TickAsync(TimeSpan.Zero, None));
    }

    /// <summary>
    /// The resume point survives a restart: every pass runs on a NEW runner (as a worker restarted between passes, or
    /// another console instance, would), so only what the database holds carries the cut from one pass to the next. The
    /// row names the last rollout the cut pass visited, the next runner goes on after it, and the seventh rollout is
    /// judged; a resume point kept in the runner's memory starts every new runner at the first rollout and never
    /// reaches it (shown failing with the persistence removed: "never judged" after seven passes).
    /// </summary>
    [Fact]
    public async Task Worker_RestartedAfterACutPass_ResumesAfterTheLastVisitedRollout_FromTheDatabase()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { WavePageSize = 2 });
        (List<long> waiting, long answered) = await SixWaitingBeforeOneAnsweredAsync(host);
        RolloutWaveStore waves = Waves(host);
        string judging = RolloutWaveRunner.ResumeState[1];
        var resumedAfter = new List<long?>();
        while ((await waves.GetAsync(answered, None))!.State == WaveState.Judging)
        {
            Assert.True(resumedAfter.Count < 7, "the answered rollout was never judged by restarted workers; resume points stored: " + string.Join(", ", resumedAfter));
            await SlowRunner(host).TickAsync(TimeSpan.FromSeconds(8), None);
            resumedAfter.Add(await host.Store.GetStateAsync(judging, None));
        }

        Assert.True(resumedAfter.Count >= 2, "one pass judged all seven: the budget cut nothing");
        // Each pass before the one that reached the seventh was cut among the waiting six: it stored the last rollout it
        // visited, and the next (new) runner went on after it, so the stored points only move forward.
        long?[] cuts = resumedAfter.Take(resumedAfter.Count - 1).ToArray();
        Assert.All(cuts, c => Assert.Contains(c!.Value, waiting));
        Assert.Equal(cuts.OrderBy(c => c).Distinct().ToArray(), cuts);
        Assert.Equal(WaveState.Completed, (await waves.GetAsync(answered, None))!.State);
    }

    /// <summary>
    /// Six rollouts waiting in judging (nobody answered) before a seventh whose device confirmed; returns the six and
    /// the seventh. The host's own pass published them all (its clock stands still).
    /// </summary>
    private static async Task<(List<long> Waiting, long Answered)> SixWaitingBeforeOneAnsweredAsync(ConsoleTestHost host)
    {
        (long first, _) = await OfferStagedAsync(host, "\"waves\":\"100%\"", "[5]", publish: false);
        RolloutWaveStore waves = Waves(host);
        UpdateOffers offers = host.App.Services.GetRequiredService<UpdateOffers>();
        RolloutRecord offered = (await offers.Rollouts.GetAsync(first, null, None))!;
        var waiting = new List<long> { first };
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (int i = 0; i < 5; i++)
        {
            waiting.Add(await waves.AddAsync(offered with { CreatedMs = now, Devices = 1, Target = "device " + Acme[0] }, WavePlan.AllAtOnce, new[] { new[] { Acme[0] } }, now, "console:o@127.0.0.1", None));
        }

        long answered = await waves.AddAsync(offered with { CreatedMs = now, Devices = 1, Target = "device " + Acme[4] }, WavePlan.AllAtOnce, new[] { new[] { Acme[4] } }, now, "console:o@127.0.0.1", None);
        Assert.Equal(7, await host.TickAsync()); // published, all of them (this clock stands still)
        await ReportAsync(host, Acme[4], "confirmed");
        return (waiting, answered);
    }

    /// <summary>A runner of <paramref name="host"/>'s rollouts on a clock where each read costs a second.</summary>
    private static RolloutWaveRunner SlowRunner(ConsoleTestHost host) =>
        new(host.App.Services.GetRequiredService<UpdateOffers>(), host.App.Services.GetRequiredService<ConsoleBackend>(),
            host.Options with { Time = new CostlyClock(host.Clock, TimeSpan.FromSeconds(1)) }, Microsoft.Extensions.Logging.Abstractions.NullLogger<RolloutWaveRunner>.Instance);

    /// <summary>A clock on which every read moves <paramref name="inner"/> on by <paramref name="cost"/>: work that reads the time takes time.</summary>
    private sealed class CostlyClock(ManualClock inner, TimeSpan cost) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow()
        {
            inner.Advance(cost);
            return inner.GetUtcNow();
        }
    }

    private static async Task SetStatusAsync(ConsoleTestHost host, string device, string status)
    {
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        IReadOnlyList<DeviceRecord> all = await host.Store.ListDevicesAsync(None);
        await host.Store.SyncRegistryAsync(all.Select(d => new RegistryEntry(d.DeviceId, d.CustomerId, d.Serial, d.Sha256, d.NotAfterMs, d.ProvisionedMs,
            d.DeviceId == device ? status : d.Status, d.DeviceId == device ? now : d.RevokedMs, d.Product)).ToList(), now, None);
    }
}
