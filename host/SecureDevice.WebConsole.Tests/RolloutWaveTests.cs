using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Updates;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Staged rollouts (docs/console.md, "Staged rollouts"): waves, the halt on failures, resume and cancel.</summary>
public sealed class RolloutWaveTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    internal static readonly string[] Acme = { ConsoleTestHost.AcmeDevice, "dev-acme-2", "dev-acme-3", "dev-acme-4", "dev-acme-5" };

    /// <summary>The decision table (docs/console.md, "Judging"): a wave before the last advances or halts; the last one completes or fails, by the same threshold and deadline.</summary>
    [Theory]
    [InlineData(2, 0, 0, 40, false, WaveDecision.Wait)]
    [InlineData(2, 1, 0, 40, false, WaveDecision.Wait)]
    [InlineData(2, 2, 0, 40, false, WaveDecision.Advance)]
    [InlineData(2, 1, 1, 40, false, WaveDecision.Halt)] // 50 % > 40 %
    [InlineData(5, 3, 1, 20, false, WaveDecision.Wait)] // 20 % is not more than 20 %: still waiting for the fifth
    [InlineData(5, 4, 1, 20, false, WaveDecision.Advance)]
    [InlineData(5, 0, 2, 20, false, WaveDecision.Halt)] // certain before every device answered
    [InlineData(1, 0, 1, 100, false, WaveDecision.Advance)] // 100 %: never halts
    [InlineData(3, 0, 1, 0, false, WaveDecision.Halt)] // 0 %: the first failure halts
    [InlineData(2, 1, 0, 40, true, WaveDecision.Halt)] // past the deadline the silent one counts as failed: 50 % > 40 %
    [InlineData(2, 1, 0, 50, true, WaveDecision.Advance)]
    [InlineData(5, 4, 0, 20, true, WaveDecision.Advance)] // 1 silent of 5 = 20 %: within
    [InlineData(5, 3, 0, 20, true, WaveDecision.Halt)] // 2 silent of 5 = 40 %
    [InlineData(5, 0, 0, 100, true, WaveDecision.Advance)] // 100 %: never halts, not even on silence
    [InlineData(4, 3, 1, 25, true, WaveDecision.Advance)] // all answered before the deadline passed: no silent ones
    public void Judge_DecisionTable(int size, int succeeded, int failed, int haltPercent, bool deadlinePassed, WaveDecision expected) =>
        Assert.Equal(expected, RolloutWaves.Judge(size, succeeded, failed, haltPercent, deadlinePassed, lastWave: false));

    /// <summary>The last wave's rows: complete where an earlier wave advances, fail where it halts; wait alike.</summary>
    [Theory]
    [InlineData(2, 1, 0, 40, false, WaveDecision.Wait)]
    [InlineData(2, 2, 0, 40, false, WaveDecision.Complete)]
    [InlineData(2, 1, 1, 40, false, WaveDecision.Fail)] // 50 % > 40 %
    [InlineData(5, 0, 2, 20, false, WaveDecision.Fail)] // certain before every device answered
    [InlineData(5, 4, 1, 20, false, WaveDecision.Complete)] // 20 % is not more than 20 %
    [InlineData(1, 0, 1, 100, false, WaveDecision.Complete)] // 100 %: never fails
    [InlineData(2, 1, 0, 40, true, WaveDecision.Fail)] // the silent one counts as failed at the deadline
    [InlineData(5, 4, 0, 20, true, WaveDecision.Complete)]
    [InlineData(1, 0, 0, 20, true, WaveDecision.Fail)] // one device that never answered
    [InlineData(1, 0, 0, 20, false, WaveDecision.Wait)]
    public void Judge_DecisionTable_TheLastWave(int size, int succeeded, int failed, int haltPercent, bool deadlinePassed, WaveDecision expected) =>
        Assert.Equal(expected, RolloutWaves.Judge(size, succeeded, failed, haltPercent, deadlinePassed, lastWave: true));

    [Theory]
    [InlineData("confirmed", true)]
    [InlineData("rejected:hash-mismatch", false)]
    [InlineData("reverted:boot-limit", false)]
    [InlineData("none", null)]
    [InlineData("staged", null)]
    [InlineData(null, null)]
    public void Outcome_ConfirmedSucceeds_RejectedOrRevertedFails_ElseUnanswered(string? outcome, bool? expected) =>
        Assert.Equal(expected, RolloutWaves.Outcome(outcome));

    [Fact]
    public void Transitions_TheTableIsTheOnlyWay_TerminalStatesHaveNoExit()
    {
        foreach (WaveState from in Enum.GetValues<WaveState>())
        {
            foreach (WaveState to in Enum.GetValues<WaveState>())
            {
                bool expected = (from, to) is (WaveState.Publishing, WaveState.Judging) or (WaveState.Publishing, WaveState.Halted)
                    or (WaveState.Publishing, WaveState.Cancelled) or (WaveState.Judging, WaveState.Publishing) or (WaveState.Judging, WaveState.Halted)
                    or (WaveState.Judging, WaveState.Completed) or (WaveState.Judging, WaveState.Failed)
                    or (WaveState.Judging, WaveState.Cancelled) or (WaveState.Halted, WaveState.Publishing) or (WaveState.Halted, WaveState.Cancelled);
                Assert.True(expected == RolloutWaves.Allowed(from, to), from + " -> " + to);
            }
        }
    }

    /// <summary>Plans as written and the wave sizes they give (percentages rounded up, empty waves dropped).</summary>
    [Theory]
    [InlineData("1%,10%,50%,100%", 200, "2,18,80,100")]
    [InlineData("1%,10%,50%,100%", 5, "1,2,2")]
    [InlineData("1%,10%,50%,100%", 1, "1")]
    [InlineData("2,100%", 5, "2,3")]
    [InlineData("5,50,100%", 3, "3")]
    [InlineData("100%", 7, "7")]
    [InlineData("10,20%,100%", 100, "10,10,80")]
    [InlineData("10,5%,100%", 100, "10,90")]
    [InlineData("1,2,3,4,5,6,7,8,9,100%", 10_000, "1,1,1,1,1,1,1,1,1,9991")]
    public void WavePlan_Sizes_CumulativeRoundedUp(string waves, int devices, string expected)
    {
        Assert.True(WavePlan.TryCreate(waves, null, null, null, false, new List<string>(), out WavePlan plan));
        Assert.Equal(waves, plan.Text);
        Assert.Equal(expected, string.Join(",", plan.Sizes(devices)));
        Assert.Equal(devices, plan.Sizes(devices).Sum());
    }

    [Theory]
    [InlineData(null, null, null, null, false, "100%", 20, 120)]
    [InlineData(null, 3, 40, 30, false, "3,100%", 40, 30)]
    [InlineData("1%,100%", null, 0, 1, false, "1%,100%", 0, 1)]
    public void WavePlan_Defaults_AndTheFirstWaveShorthand(string? waves, int? firstWave, int? halt, int? minutes, bool device, string text, int expectedHalt, int expectedMinutes)
    {
        Assert.True(WavePlan.TryCreate(waves, firstWave, halt, minutes, device, new List<string>(), out WavePlan plan));
        Assert.Equal((text, expectedHalt, TimeSpan.FromMinutes(expectedMinutes)), (plan.Text, plan.HaltPercent, plan.Timeout));
    }

    [Theory]
    [InlineData("", null, null, null, false)]
    [InlineData("50%", null, null, null, false)] // must end in 100 %
    [InlineData("100%,100%", null, null, null, false)]
    [InlineData("50%,20%,100%", null, null, null, false)]
    [InlineData("5,5,100%", null, null, null, false)]
    [InlineData("05,100%", null, null, null, false)]
    [InlineData("5,,100%", null, null, null, false)]
    [InlineData("5 ,100%", null, null, null, false)]
    [InlineData("+5,100%", null, null, null, false)]
    [InlineData("10001,100%", null, null, null, false)]
    [InlineData("101%", null, null, null, false)]
    [InlineData("1,2,3,4,5,6,7,8,9,10,100%", null, null, null, false)] // 11 waves
    [InlineData("\u0661,100%", null, null, null, false)] // a non-ASCII digit
    [InlineData("5,100%", 5, null, null, false)] // both forms
    [InlineData(null, 0, null, null, false)]
    [InlineData(null, null, 101, null, false)]
    [InlineData(null, null, null, 0, false)]
    [InlineData(null, null, null, 10081, false)]
    [InlineData("100%", null, null, null, true)] // a device takes no waves
    [InlineData(null, null, 20, null, true)]
    public void WavePlan_OutsideTheRules_IsRefused(string? waves, int? firstWave, int? halt, int? minutes, bool device)
    {
        var problems = new List<string>();
        Assert.False(WavePlan.TryCreate(waves, firstWave, halt, minutes, device, problems, out WavePlan plan));
        Assert.NotEmpty(problems);
        Assert.Same(WavePlan.AllAtOnce, plan);
    }

    [Fact]
    public async Task Staged_FirstWaveConfirms_TheWorkerPublishesTheRestOnce()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, string token) = await OfferStagedAsync(host, "\"firstWave\":2,\"haltPercent\":40", "[2,3]");
        Assert.Equal(Acme.Take(2).Select(Topic), Topics(host));
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);

        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(0, await host.TickAsync()); // one of two answered
        Assert.Equal(2, host.Publisher!.Commands.Count);
        await ReportAsync(host, Acme[1], "confirmed");
        Assert.Equal(1, await host.TickAsync()); // judged: wave 2 next
        Assert.Equal(WaveState.Publishing, (await Waves(host).GetAsync(rollout, None))!.State);
        Assert.Equal(1, await host.TickAsync()); // published: the last wave, judged like any
        Assert.Equal(Acme.Select(Topic).OrderBy(t => t, StringComparer.Ordinal), Topics(host).OrderBy(t => t, StringComparer.Ordinal));
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);
        foreach (string device in Acme.Skip(2))
        {
            Assert.Equal(0, await host.TickAsync());
            await ReportAsync(host, device, "confirmed");
        }

        Assert.Equal(1, await host.TickAsync()); // the last wave answered within the threshold: completed
        WaveRecord done = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal((WaveState.Completed, 2), (done.State, done.CurrentWave));
        Assert.Equal(RolloutWaveRunner.Worker, done.ChangedBy);
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(5, host.Publisher.Commands.Count);
        Assert.Contains(await host.Store.ListActionsAsync(Acme[4], 10, None), a => a.Kind == "offer" && a.Actor == RolloutWaveRunner.Worker && a.Detail!.Contains("(wave 2 of 2)", StringComparison.Ordinal));

        using ConsoleClient api = host.Client();
        using JsonDocument json = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/rollouts/" + rollout, token)).Body);
        Assert.Equal("completed", json.RootElement.GetProperty("staged").GetProperty("state").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("devices").GetArrayLength());
    }

    /// <summary>Percentage waves: 20 %, 60 %, 100 % of five devices are waves of 1, 2 and 2, each judged before the next.</summary>
    [Fact]
    public async Task PercentWaves_EachWaveIsJudgedBeforeTheNext_ThenCompleted()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, string token) = await OfferStagedAsync(host, "\"waves\":\"20%,60%,100%\",\"haltPercent\":0", "[1,2,2]");
        Assert.Equal(new[] { Topic(Acme[0]) }, Topics(host));
        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(Acme.Take(3).Select(Topic), Topics(host));
        WaveRecord second = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal((WaveState.Judging, 2, 3, "20%,60%,100%"), (second.State, second.CurrentWave, second.WaveCount, second.Plan));
        await ReportAsync(host, Acme[1], "confirmed");
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(3, host.Publisher!.Commands.Count);
        await ReportAsync(host, Acme[2], "confirmed");
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(Acme.Select(Topic), Topics(host));
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);
        await ReportAsync(host, Acme[3], "confirmed");
        await ReportAsync(host, Acme[4], "confirmed");
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(WaveState.Completed, (await Waves(host).GetAsync(rollout, None))!.State);
        Assert.Contains(await host.Store.ListActionsAsync(Acme[4], 10, None), a => a.Detail!.Contains("(wave 3 of 3)", StringComparison.Ordinal));

        using ConsoleClient api = host.Client();
        using JsonDocument json = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/rollouts/" + rollout, token)).Body);
        Assert.Equal(3, json.RootElement.GetProperty("staged").GetProperty("waves").GetInt32());
        Assert.Equal("20%,60%,100%", json.RootElement.GetProperty("staged").GetProperty("plan").GetString());
    }

    /// <summary>A device of the wave never answers: at the deadline it counts as failed, and the threshold decides (halt above it, advance within).</summary>
    [Theory]
    [InlineData(40, WaveState.Halted)]
    [InlineData(50, WaveState.Publishing)]
    public async Task WaveTimeout_SilentDevicesCountAsFailedAtTheDeadline(int haltPercent, WaveState expected)
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, _) = await OfferStagedAsync(host, "\"firstWave\":2,\"haltPercent\":" + haltPercent + ",\"waveTimeoutMinutes\":30", "[2,3]");
        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(0, await host.TickAsync());
        host.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await host.TickAsync()); // before the deadline: still waiting for the second
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await host.TickAsync());
        WaveRecord judged = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(expected, judged.State);
        Assert.Contains("1 confirmed, 0 failed (rejected, reverted or refused by the broker), 1 silent past the deadline (counted as failed) of 2", judged.Detail, StringComparison.Ordinal);
        Assert.Equal(2, host.Publisher!.Commands.Count);
        Assert.Equal(expected == WaveState.Halted, (await host.Store.ListAlertsAsync(ConsoleTestHost.Acme, 50, None)).Any(a => a.Kind == "rollout-halted"));
    }

    [Fact]
    public async Task Staged_FailuresOverTheThreshold_Halt_FeedAlert_OwnersWebhook_NothingMorePublished_ThenAnOperatorResumes()
    {
        byte[] secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using var inbox = SecureDevice.Lab.Alerts.WebhookInbox.Start(secret);
        using var webhook = new SecureDevice.Fleet.Response.Alerts.WebhookSender(allowLoopback: true);
        var dispatcher = new SecureDevice.Fleet.Response.Alerts.AlertDispatcher(
            new SecureDevice.Fleet.Response.Alerts.MemoryCustomerContacts(new SecureDevice.Fleet.Response.Alerts.CustomerContacts(ConsoleTestHost.Acme, inbox.Url, secret, Array.Empty<string>())),
            new SecureDevice.Fleet.Response.Alerts.MemoryAlertStore(), webhook, null);
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { Alerts = dispatcher });
        (long rollout, _) = await OfferStagedAsync(host, "\"firstWave\":2,\"haltPercent\":40", "[2,3]");
        await ReportAsync(host, Acme[0], "rejected:hash-mismatch");
        Assert.Equal(1, await host.TickAsync()); // 1 of 2 failed: 50 % > 40 %, halted before the second answered
        await ReportAsync(host, Acme[1], "confirmed");
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(2, host.Publisher!.Commands.Count);
        WaveRecord halted = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(WaveState.Halted, halted.State);
        Assert.Contains("1 failed", halted.Detail, StringComparison.Ordinal);
        Assert.Contains(await host.Store.ListAlertsAsync(ConsoleTestHost.Acme, 50, None), a => a.Kind == "rollout-halted");

        // The owner's webhook receives it through the service's dispatcher, signed with the owner's secret.
        await dispatcher.DeliverDueAsync();
        SecureDevice.Lab.Alerts.ReceivedAlert hook = Assert.Single(inbox.Snapshot());
        Assert.True(hook.SignatureValid);
        Assert.Equal(("rollout-halted", "halted", null), (hook.Kind, hook.State, hook.Device));
        Assert.Contains("Update rollout " + rollout + " (" + ConsoleTestHost.Bundle, hook.Body, StringComparison.Ordinal);
        Assert.Equal(SecureDevice.Fleet.Response.Alerts.NotifyStatus.Duplicate, dispatcher.Notify(SecureDevice.Fleet.Response.Alerts.AlertEvent.ForFleet(ConsoleTestHost.Acme, "rollout-halted",
            "rollout-" + rollout, "halted", SecureDevice.Fleet.Response.Alerts.AlertSeverity.Warning, "again", null, host.Clock.GetUtcNow())));

        // The page shows it; a viewer may not act; a POST without the antiforgery token is refused; the operator resumes.
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        TestUser op = await host.CreateUserAsync("acme-operator-2", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient viewing = host.Client();
        await viewing.LoginAsync(viewer);
        Answer seen = await viewing.GetAsync("/updates/" + rollout);
        Assert.Contains("Staged: halted", seen.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Resume", seen.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewing.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Resume")).Status);
        using ConsoleClient operating = host.Client();
        await operating.LoginAsync(op);
        Assert.Contains("Resume", (await operating.GetAsync("/updates/" + rollout)).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await operating.PostRawAsync("/updates/" + rollout + "?handler=Resume", Array.Empty<KeyValuePair<string, string>>())).Status);
        Assert.Equal(2, host.Publisher.Commands.Count);

        Answer resumed = await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Resume");
        Assert.True(resumed.Status == HttpStatusCode.OK, resumed.Status + " " + resumed.Body);
        Assert.Equal(WaveState.Publishing, (await Waves(host).GetAsync(rollout, None))!.State);
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(5, host.Publisher.Commands.Count);
        Assert.Contains(await host.Store.ListActionsAsync(Acme[4], 10, None), a => a.Actor == "console:acme-operator-2@127.0.0.1");
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);
        foreach (string device in Acme.Skip(2))
        {
            await ReportAsync(host, device, "confirmed");
        }

        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(WaveState.Completed, (await Waves(host).GetAsync(rollout, None))!.State);
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.resume" && a.Actor == "acme-operator-2");
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.halted");
        Assert.Equal((HttpStatusCode)409, (await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Cancel")).Status);
        Assert.Equal(5, host.Publisher.Commands.Count);
    }

    [Fact]
    public async Task Staged_CancelledByAnOperator_TheRestIsNeverPublished()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, _) = await OfferStagedAsync(host, "\"firstWave\":1", "[1,4]");
        TestUser op = await host.CreateUserAsync("acme-operator-2", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient operating = host.Client();
        await operating.LoginAsync(op);
        Assert.Equal(HttpStatusCode.OK, (await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Cancel")).Status);
        Assert.Equal(WaveState.Cancelled, (await Waves(host).GetAsync(rollout, None))!.State);
        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal((HttpStatusCode)409, (await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Resume")).Status);
        Assert.Single(host.Publisher!.Commands);
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.cancel");
    }

    [Fact]
    public async Task Staged_ABundleChangedAfterTheOffer_HaltsInsteadOfPublishingWave2()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, _) = await OfferStagedAsync(host, "\"firstWave\":1", "[1,4]");
        System.IO.File.AppendAllText(System.IO.Path.Combine(host.BundleFolder!, ConsoleTestHost.Bundle, "Sensor.App.pe"), "x");
        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(1, await host.TickAsync()); // wave 2 next
        Assert.Equal(1, await host.TickAsync()); // ... but the bundle is checked first
        WaveRecord halted = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal((WaveState.Halted, 2), (halted.State, halted.CurrentWave));
        Assert.Contains("wave 2 of 2 not published: the bundle no longer verifies", halted.Detail, StringComparison.Ordinal);
        Assert.Single(host.Publisher!.Commands);
    }

    /// <summary>
    /// The request only records: with the broker down the API still answers 202 with the rollout publishing, nothing is
    /// recorded as published; the worker retries each pass and publishes once the broker is back.
    /// </summary>
    [Fact]
    public async Task BrokerDown_TheRequestStillAnswers202_TheWorkerPublishesWhenTheBrokerIsBack()
    {
        await using ConsoleTestHost host = await StartAsync();
        host.Publisher!.Answer = SecureDevice.Fleet.Broker.BrokerAccessStatus.Unreachable;
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        Answer offered = await api.ApiAsync("POST", "/api/v1/offers", token, "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"device\",\"device\":\"" + ConsoleTestHost.AcmeDevice + "\",\"reason\":\"later\"}");
        Assert.True(offered.Status == HttpStatusCode.Accepted, offered.Body);
        Assert.Empty(host.Publisher.Commands); // nothing reached for in the request
        long rollout = JsonDocument.Parse(offered.Body).RootElement.GetProperty("rolloutId").GetInt64();
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.offer" && a.Subject.Contains("rollout " + rollout, StringComparison.Ordinal));

        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(0, await host.TickAsync()); // within the backoff: not tried again
        Assert.Single(host.Publisher.Commands);
        host.Clock.Advance(TimeSpan.FromSeconds(5)); // attempt 1 waits the base, 5 s
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(2, host.Publisher.Commands.Count);
        WaveRecord waiting = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal((WaveState.Publishing, 2), (waiting.State, waiting.RetryAttempts));
        Assert.Contains("the broker: Unreachable", waiting.Detail, StringComparison.Ordinal);
        Assert.Empty(await host.App.Services.GetRequiredService<UpdateOffers>().Rollouts.DevicesAsync(rollout, None));
        Assert.Empty(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None));
        using (JsonDocument pending = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/rollouts/" + rollout, token)).Body))
        {
            Assert.Equal("publishing", pending.RootElement.GetProperty("state").GetString());
        }

        host.Publisher.Answer = SecureDevice.Fleet.Broker.BrokerAccessStatus.Done;
        host.Clock.Advance(TimeSpan.FromSeconds(10)); // attempt 2 waits 5..10 s
        Assert.Equal(1, await host.TickAsync());
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);
        Assert.Equal("published", Assert.Single(await host.App.Services.GetRequiredService<UpdateOffers>().Rollouts.DevicesAsync(rollout, None)).Outcome);
        Assert.Equal("done", Assert.Single(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None)).Outcome);
        Assert.Equal(0, await host.TickAsync());
        Assert.Equal(3, host.Publisher.Commands.Count);
    }

    /// <summary>Two console instances' workers on one database: the publishing claim lets only one publish a wave.</summary>
    [Fact]
    public async Task TwoWorkers_OnlyOnePublishesTheWave()
    {
        await using ConsoleTestHost host = await StartAsync();
        await using ConsoleTestHost second = await ConsoleTestHost.StartAsync(shareWith: host, configure: o => o with { Bundles = host.Options.Bundles, OfferPublisher = host.Publisher });
        (long rollout, _) = await OfferStagedAsync(host, "\"waves\":\"100%\"", "[5]", publish: false);
        int[] changed = await Task.WhenAll(host.TickAsync(), second.TickAsync());
        Assert.Equal(1, changed.Sum());
        Assert.Equal(5, host.Publisher!.Commands.Count);
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);
    }

    /// <summary>The wave store's statements on both databases: plan, compare-and-set (a second mover loses), newest event per device.</summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task WaveStore_PlanCompareAndSetAndNewestEvents_WorkOnBothDatabases(string dialectName)
    {
        using var folder = new TemporaryDirectory("waves");
        using SecureDevice.Lab.Postgres.PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "waves");
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(1000, None);
        await store.SyncRegistryAsync(new[] { new RegistryEntry("dev-a", "acme", "01", new string('a', 64), 10_000_000, 0, "active", null), new RegistryEntry("dev-b", "acme", "02", new string('b', 64), 10_000_000, 0, "active", null) }, 1000, None);
        var rollouts = new RolloutStore(dialect);
        var waves = new RolloutWaveStore(dialect);
        Assert.True(WavePlan.TryCreate("50%,100%", null, 20, 30, false, new List<string>(), out WavePlan plan));
        long id = await waves.AddAsync(Rollout(2), plan, new[] { new[] { "dev-a" }, new[] { "dev-b" } }, 2000, "console:o@127.0.0.1", None);
        Assert.Equal(new[] { "dev-b" }, await waves.WaveAsync(id, 2, None));
        WaveRecord recorded = Assert.Single(await waves.ListDueAsync(WaveState.Publishing, 0, 10, 2000, None));
        Assert.Equal((id, "50%,100%", 2, 1, 30 * 60_000L), (recorded.RolloutId, recorded.Plan, recorded.WaveCount, recorded.CurrentWave, recorded.TimeoutMs));
        Assert.Equal(new[] { "dev-a" }, await waves.UnpublishedAsync(id, 1, None));
        Assert.Equal(new[] { "dev-a", "dev-b" }, await waves.UnpublishedAsync(id, 2, None));

        // The publishing claim: one holder until it ends or expires; a renewal holds on.
        Assert.True(await waves.TryClaimAsync(id, 2000, 9000, renew: false, None));
        Assert.False(await waves.TryClaimAsync(id, 2500, 9500, renew: false, None)); // the other instance
        Assert.True(await waves.TryClaimAsync(id, 2600, 9600, renew: true, None));
        Assert.True(await waves.TryClaimAsync(id, 9601, 20_000, renew: false, None)); // expired: taken over
        await rollouts.AddDeviceAsync(new RolloutDeviceRecord(id, "dev-a", 2700, "published", "ok"), new ActionRecord(0, "dev-a", "offer", "console:o@127.0.0.1", "t", 2700, "done", "ok"), None);
        Assert.Empty(await waves.UnpublishedAsync(id, 1, None));
        await waves.RetryLaterAsync(id, "the broker is away", 3, 2750, 2100, None);
        WaveRecord retrying = (await waves.GetAsync(id, None))!;
        Assert.Equal(("the broker is away", 3, 2750L, 2100L), (retrying.Detail, retrying.RetryAttempts, retrying.RetryAtMs, retrying.RetrySinceMs));
        Assert.Empty(await waves.ListDueAsync(WaveState.Publishing, 0, 10, 2749, None)); // waiting out its backoff
        Assert.Single(await waves.ListDueAsync(WaveState.Publishing, 0, 10, 2750, None));
        Assert.Empty(await waves.ListDueAsync(WaveState.Publishing, id, 10, 2750, None)); // keyset: nothing after it
        Assert.True(await waves.TryClaimAsync(id, 2800, 9000, renew: false, None)); // the note gave the claim up
        Assert.True(await waves.TryEnterAsync(id, WaveState.Publishing, WaveState.Judging, 1, "w1", "judging", 2900, None));
        Assert.Equal((0, 0L), ((await waves.GetAsync(id, None))!.RetryAttempts, (await waves.GetAsync(id, None))!.RetryAtMs)); // a state change ends the retry wait
        Assert.False(await waves.TryClaimAsync(id, 3000, 9000, renew: true, None)); // not publishing any more

        long deviceRef = (await store.ListDevicesAsync(None)).Single(d => d.DeviceId == "dev-a").Ref;
        var batch = new IngestBatch();
        batch.Events.Add(new EventRow(deviceRef, "dev-a", 1500, "update", "update:1:1", 1, 1, "{\"outcome\":\"rejected:rollback\"}")); // before the rollout
        batch.Events.Add(new EventRow(deviceRef, "dev-a", 3000, "update", "update:1:2", 1, 2, "{\"outcome\":\"none\"}"));
        batch.Events.Add(new EventRow(deviceRef, "dev-a", 4000, "update", "update:1:3", 1, 3, "{\"outcome\":\"confirmed\"}"));
        await store.CommitAsync(batch, None);
        IReadOnlyDictionary<string, string> newest = await waves.NewestUpdateEventsAsync(id, 1, 2000, None);
        Assert.Equal("{\"outcome\":\"confirmed\"}", Assert.Single(newest).Value);

        Assert.True(await waves.TryEnterAsync(id, WaveState.Judging, WaveState.Halted, 1, "w1", "x", 5000, None));
        Assert.False(await waves.TryEnterAsync(id, WaveState.Judging, WaveState.Publishing, 2, "w2", "y", 5000, None)); // the other instance read Judging too
        WaveRecord halted = (await waves.GetAsync(id, None))!;
        Assert.Equal(("w1", 1, 5000L + (30 * 60_000L)), (halted.ChangedBy, halted.CurrentWave, halted.DeadlineMs));
        await Assert.ThrowsAsync<InvalidOperationException>(() => waves.TryEnterAsync(id, WaveState.Cancelled, WaveState.Judging, 1, "w", "z", 5000, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => waves.TryEnterAsync(id, WaveState.Halted, WaveState.Completed, 2, "w", "z", 5000, None));
    }

    private static Task<ConsoleTestHost> StartAsync() => ConsoleTestHost.StartAsync();

    internal static RolloutRecord Rollout(long devices) =>
        new(0, 2000, "console:o@127.0.0.1", "127.0.0.1", "acme", "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "group customer=acme", "t", devices);

    internal static RolloutWaveStore Waves(ConsoleTestHost host) => host.App.Services.GetRequiredService<UpdateOffers>().Waves;

    internal static string Topic(string device) => "devices/" + device + "/down/update";

    private static List<string> Topics(ConsoleTestHost host) => host.Publisher!.Commands.Select(c => c.Topic).ToList();

    /// <summary>Five acme devices (the seeded one and four more); an operator's API offer to the acme group with <paramref name="staging"/>; then one worker pass publishes wave 1.</summary>
    internal static async Task<(long Rollout, string Token)> OfferStagedAsync(ConsoleTestHost host, string staging, string expectedWaves, bool publish = true)
    {
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await host.Store.SyncRegistryAsync(Acme.Select((id, i) => new RegistryEntry(id, ConsoleTestHost.Acme, "0" + i + "AA", new string((char)('a' + i), 64), now + 86_400_000, now - 86_400_000, "active", null))
            .Append(new RegistryEntry(ConsoleTestHost.GlobexDevice, ConsoleTestHost.Globex, "02BB", new string('b', 64), now + 86_400_000, now - 86_400_000, "active", null)).ToList(), now, None);
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        Answer offered = await api.ApiAsync("POST", "/api/v1/offers", token, "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"group\",\"reason\":\"staged\"," + staging + "}");
        Assert.True(offered.Status == HttpStatusCode.Accepted, offered.Body);
        using JsonDocument json = JsonDocument.Parse(offered.Body);
        Assert.Equal(expectedWaves, json.RootElement.GetProperty("waves").GetRawText());
        Assert.Empty(host.Publisher!.Commands);
        long rollout = json.RootElement.GetProperty("rolloutId").GetInt64();
        Assert.Equal(WaveState.Publishing, (await Waves(host).GetAsync(rollout, None))!.State);
        if (publish)
        {
            Assert.Equal(1, await host.TickAsync());
            Assert.Equal(JsonSerializer.Deserialize<int[]>(expectedWaves)![0], host.Publisher.Commands.Count);
        }

        return (rollout, token);
    }

    /// <summary>The device's update event with <paramref name="outcome"/>, stored as ingest stores it, a second later.</summary>
    internal static async Task ReportAsync(ConsoleTestHost host, string device, string outcome)
    {
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        long at = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long deviceRef = (await host.Store.ListDevicesAsync(None)).Single(d => d.DeviceId == device).Ref;
        var batch = new IngestBatch();
        batch.Events.Add(new EventRow(deviceRef, device, at, "update", "update:5:" + at, 5, at, JsonSerializer.Serialize(new { state = "idle", outcome, version = "1.1.0" })));
        await host.Store.CommitAsync(batch, None);
    }
}
