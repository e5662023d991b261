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
    private static readonly string[] Acme = { ConsoleTestHost.AcmeDevice, "dev-acme-2", "dev-acme-3", "dev-acme-4", "dev-acme-5" };

    [Theory]
    [InlineData(2, 0, 0, 40, WaveDecision.Wait)]
    [InlineData(2, 1, 0, 40, WaveDecision.Wait)]
    [InlineData(2, 2, 0, 40, WaveDecision.Advance)]
    [InlineData(2, 1, 1, 40, WaveDecision.Halt)] // 50 % > 40 %
    [InlineData(5, 3, 1, 20, WaveDecision.Wait)] // 20 % is not more than 20 %: still waiting for the fifth
    [InlineData(5, 4, 1, 20, WaveDecision.Advance)]
    [InlineData(5, 0, 2, 20, WaveDecision.Halt)] // certain before every device answered
    [InlineData(1, 0, 1, 100, WaveDecision.Advance)] // 100 %: never halts
    [InlineData(3, 0, 1, 0, WaveDecision.Halt)] // 0 %: the first failure halts
    public void Judge_DecisionTable(int size, int succeeded, int failed, int haltPercent, WaveDecision expected) =>
        Assert.Equal(expected, RolloutWaves.Judge(size, succeeded, failed, haltPercent));

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
                bool expected = (from, to) is (WaveState.Judging, WaveState.Completed) or (WaveState.Judging, WaveState.Halted) or (WaveState.Judging, WaveState.Cancelled)
                    or (WaveState.Halted, WaveState.Completed) or (WaveState.Halted, WaveState.Cancelled);
                Assert.True(expected == RolloutWaves.Allowed(from, to), from + " -> " + to);
            }
        }
    }

    [Fact]
    public async Task Staged_FirstWaveConfirms_TheWorkerOffersTheRestOnce()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, string token) = await OfferStagedAsync(host, firstWave: 2, haltPercent: 40);
        RolloutWaveRunner runner = host.App.Services.GetRequiredService<RolloutWaveRunner>();
        Assert.Equal(Acme.Take(2).Select(Topic), Topics(host));
        Assert.Equal(WaveState.Judging, (await Waves(host).GetAsync(rollout, None))!.State);

        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(0, await runner.TickAsync(None)); // one of two answered
        Assert.Equal(2, host.Publisher!.Commands.Count);
        await ReportAsync(host, Acme[1], "confirmed");
        Assert.Equal(1, await runner.TickAsync(None));
        Assert.Equal(Acme.Select(Topic).OrderBy(t => t, StringComparer.Ordinal), Topics(host).OrderBy(t => t, StringComparer.Ordinal));
        WaveRecord done = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(WaveState.Completed, done.State);
        Assert.Equal(RolloutWaveRunner.Worker, done.ChangedBy);
        Assert.Equal(0, await runner.TickAsync(None));
        Assert.Equal(5, host.Publisher.Commands.Count);
        Assert.Contains(await host.Store.ListActionsAsync(Acme[4], 10, None), a => a.Kind == "offer" && a.Actor == RolloutWaveRunner.Worker && a.Detail!.Contains("(wave 2)", StringComparison.Ordinal));

        using ConsoleClient api = host.Client();
        using JsonDocument json = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/rollouts/" + rollout, token)).Body);
        Assert.Equal("completed", json.RootElement.GetProperty("staged").GetProperty("state").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("devices").GetArrayLength());
    }

    [Fact]
    public async Task Staged_FailuresOverTheThreshold_Halt_Alert_NothingMoreOffered_ThenAnOperatorResumes()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, _) = await OfferStagedAsync(host, firstWave: 2, haltPercent: 40);
        RolloutWaveRunner runner = host.App.Services.GetRequiredService<RolloutWaveRunner>();
        await ReportAsync(host, Acme[0], "rejected:hash-mismatch");
        Assert.Equal(1, await runner.TickAsync(None)); // 1 of 2 failed: 50 % > 40 %, halted before the second answered
        await ReportAsync(host, Acme[1], "confirmed");
        Assert.Equal(0, await runner.TickAsync(None));
        Assert.Equal(2, host.Publisher!.Commands.Count);
        WaveRecord halted = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(WaveState.Halted, halted.State);
        Assert.Contains("1 failed", halted.Detail, StringComparison.Ordinal);
        Assert.Contains(await host.Store.ListAlertsAsync(ConsoleTestHost.Acme, 50, None), a => a.Kind == "rollout-halted");

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
        Assert.Equal(5, host.Publisher.Commands.Count);
        Assert.Equal(WaveState.Completed, (await Waves(host).GetAsync(rollout, None))!.State);
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.resume" && a.Actor == "acme-operator-2");
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.halted");
        Assert.Equal((HttpStatusCode)409, (await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Cancel")).Status);
        Assert.Equal(5, host.Publisher.Commands.Count);
    }

    [Fact]
    public async Task Staged_CancelledByAnOperator_TheRestIsNeverOffered()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, _) = await OfferStagedAsync(host, firstWave: 1, haltPercent: 20);
        TestUser op = await host.CreateUserAsync("acme-operator-2", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient operating = host.Client();
        await operating.LoginAsync(op);
        Assert.Equal(HttpStatusCode.OK, (await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Cancel")).Status);
        Assert.Equal(WaveState.Cancelled, (await Waves(host).GetAsync(rollout, None))!.State);
        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(0, await host.App.Services.GetRequiredService<RolloutWaveRunner>().TickAsync(None));
        Assert.Equal((HttpStatusCode)409, (await operating.PostFormAsync("/updates/" + rollout, "/updates/" + rollout + "?handler=Resume")).Status);
        Assert.Single(host.Publisher!.Commands);
        Assert.Contains(await host.Accounts.Store.ListAuditAsync(ConsoleTestHost.Acme, 100, None), a => a.Action == "rollout.cancel");
    }

    [Fact]
    public async Task Staged_ABundleChangedAfterTheOffer_HaltsInsteadOfOfferingWave2()
    {
        await using ConsoleTestHost host = await StartAsync();
        (long rollout, _) = await OfferStagedAsync(host, firstWave: 1, haltPercent: 20);
        System.IO.File.AppendAllText(System.IO.Path.Combine(host.BundleFolder!, ConsoleTestHost.Bundle, "Sensor.App.pe"), "x");
        await ReportAsync(host, Acme[0], "confirmed");
        Assert.Equal(1, await host.App.Services.GetRequiredService<RolloutWaveRunner>().TickAsync(None));
        WaveRecord halted = (await Waves(host).GetAsync(rollout, None))!;
        Assert.Equal(WaveState.Halted, halted.State);
        Assert.Contains("no longer verifies", halted.Detail, StringComparison.Ordinal);
        Assert.Single(host.Publisher!.Commands);
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
        long id = await rollouts.AddAsync(new RolloutRecord(0, 2000, "console:o@127.0.0.1", "127.0.0.1", "acme", "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "group customer=acme", "t", 2), None);
        await waves.AddAsync(id, new WavePlan(1, 20), new[] { "dev-a" }, new[] { "dev-b" }, 2000, "console:o@127.0.0.1", None);
        Assert.Equal(new[] { "dev-b" }, await waves.WaveAsync(id, 2, None));
        Assert.Equal(id, Assert.Single(await waves.ListAsync(WaveState.Judging, 10, None)).RolloutId);

        long deviceRef = (await store.ListDevicesAsync(None)).Single(d => d.DeviceId == "dev-a").Ref;
        var batch = new IngestBatch();
        batch.Events.Add(new EventRow(deviceRef, "dev-a", 1500, "update", "update:1:1", 1, 1, "{\"outcome\":\"rejected:rollback\"}")); // before the rollout
        batch.Events.Add(new EventRow(deviceRef, "dev-a", 3000, "update", "update:1:2", 1, 2, "{\"outcome\":\"none\"}"));
        batch.Events.Add(new EventRow(deviceRef, "dev-a", 4000, "update", "update:1:3", 1, 3, "{\"outcome\":\"confirmed\"}"));
        await store.CommitAsync(batch, None);
        IReadOnlyDictionary<string, string> newest = await waves.NewestUpdateEventsAsync(id, 1, 2000, None);
        Assert.Equal("{\"outcome\":\"confirmed\"}", Assert.Single(newest).Value);

        Assert.True(await waves.TryEnterAsync(id, WaveState.Judging, WaveState.Halted, "w1", "x", 5000, None));
        Assert.False(await waves.TryEnterAsync(id, WaveState.Judging, WaveState.Completed, "w2", "y", 5000, None)); // the other instance read Judging too
        Assert.Equal("w1", (await waves.GetAsync(id, None))!.ChangedBy);
        await Assert.ThrowsAsync<InvalidOperationException>(() => waves.TryEnterAsync(id, WaveState.Cancelled, WaveState.Judging, "w", "z", 5000, None));
    }

    private static Task<ConsoleTestHost> StartAsync() => ConsoleTestHost.StartAsync(configure: o => o with { WaveInterval = TimeSpan.FromHours(1) });

    private static RolloutWaveStore Waves(ConsoleTestHost host) => host.App.Services.GetRequiredService<UpdateOffers>().Waves;

    private static string Topic(string device) => "devices/" + device + "/down/update";

    private static List<string> Topics(ConsoleTestHost host) => host.Publisher!.Commands.Select(c => c.Topic).ToList();

    /// <summary>Five acme devices (the seeded one and four more); an operator's API offer to the acme group, staged.</summary>
    private static async Task<(long Rollout, string Token)> OfferStagedAsync(ConsoleTestHost host, int firstWave, int haltPercent)
    {
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await host.Store.SyncRegistryAsync(Acme.Select((id, i) => new RegistryEntry(id, ConsoleTestHost.Acme, "0" + i + "AA", new string((char)('a' + i), 64), now + 86_400_000, now - 86_400_000, "active", null))
            .Append(new RegistryEntry(ConsoleTestHost.GlobexDevice, ConsoleTestHost.Globex, "02BB", new string('b', 64), now + 86_400_000, now - 86_400_000, "active", null)).ToList(), now, None);
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        Answer offered = await api.ApiAsync("POST", "/api/v1/offers", token, "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"group\",\"reason\":\"staged\",\"firstWave\":"
            + firstWave + ",\"haltPercent\":" + haltPercent + "}");
        Assert.True(offered.Status == HttpStatusCode.OK, offered.Body);
        using JsonDocument json = JsonDocument.Parse(offered.Body);
        Assert.Equal(firstWave, json.RootElement.GetProperty("published").GetInt32());
        Assert.Contains((Acme.Length - firstWave) + " wait for wave 1", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return (json.RootElement.GetProperty("rolloutId").GetInt64(), token);
    }

    /// <summary>The device's update event with <paramref name="outcome"/>, stored as ingest stores it, a second later.</summary>
    private static async Task ReportAsync(ConsoleTestHost host, string device, string outcome)
    {
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        long at = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long deviceRef = (await host.Store.ListDevicesAsync(None)).Single(d => d.DeviceId == device).Ref;
        var batch = new IngestBatch();
        batch.Events.Add(new EventRow(deviceRef, device, at, "update", "update:5:" + at, 5, at, JsonSerializer.Serialize(new { state = "idle", outcome, version = "1.1.0" })));
        await host.Store.CommitAsync(batch, None);
    }
}
