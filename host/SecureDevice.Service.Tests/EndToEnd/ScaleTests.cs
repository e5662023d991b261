using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.EndToEnd;

/// <summary>
/// Two instances behind the shared subscription split the stream; one device flooding does not slow the others down
/// (docs/scale.md, docs/service.md "Fair ingest").
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ScaleTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();
    private readonly PostgresFixture _postgres;
    private readonly ITestOutputHelper _output;

    public ScaleTests(PostgresFixture postgres, ITestOutputHelper output)
    {
        _postgres = postgres;
        _output = output;
    }

    public void Dispose() => _lab.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task TwoInstances_SharedSubscription_SplitTheReports_EachStoredOnce(string dialect)
    {
        const int Devices = 8;
        const int Each = 25;
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("two", Devices);
        ServiceIdentity.Issue(_lab.Lab.Pki, "service.2", DateTimeOffset.UtcNow);
        await _lab.Lab.GrantServiceRightsAsync("service.2");
        var first = new CommitRecorder();
        var second = new CommitRecorder();
        await using RunningService one = await _lab.StartAsync(_lab.Options(url), new ServiceExtensions { Observers = new[] { first } });
        await using RunningService two = await _lab.StartAsync(_lab.Options(url, "service.2"), new ServiceExtensions { Observers = new[] { second } });
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        for (int seq = 0; seq < Each; seq++)
        {
            await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(1, seq, None)));
        }

        await ServiceLab.WaitUntil(() => Task.FromResult(first.Reports.Count + second.Reports.Count >= Devices * Each), TimeSpan.FromSeconds(30), "every report committed");
        await Task.Delay(300);
        _output.WriteLine(dialect + ": instance 1 committed " + first.Reports.Count + ", instance 2 " + second.Reports.Count);
        Assert.Equal(Devices * Each, first.Reports.Count + second.Reports.Count);
        Assert.Empty(first.Reports.Keys.Intersect(second.Reports.Keys));
        Assert.InRange(first.Reports.Count, Devices * Each / 5, Devices * Each * 4 / 5);
        Assert.Equal(Devices * Each, await one.Service.Store.CountHealthAsync(None));
        Assert.Empty(await one.Service.Store.ListCountersAsync(null, 0, None));
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task OneDeviceFloods_OtherDevicesKeepTheirLatency_TheFloodIsCountedAgainstItsDevice()
    {
        IReadOnlyList<EnrolledDevice> quiet = _lab.Enroll("calm", 10);
        EnrolledDevice noisy = _lab.Enroll("noisy", 1, owner: "initech")[0];
        var recorder = new CommitRecorder();

        // The default device limits; the customer's share is its devices' whole bucket, as the calm devices here send
        // 20 reports each within seconds (the firmware sends one per 300 s): the flooder is stopped by its own bucket.
        ServiceOptions options = _lab.Options() with { Ingest = new IngestOptions { Limits = new FairLimits(CustomerShare: 1.0) } };
        await using RunningService service = await _lab.StartAsync(options, new ServiceExtensions { Observers = new[] { recorder } });
        DevicePublisher[] calm = await _lab.ConnectAsync(quiet);
        DevicePublisher flooder = (await _lab.ConnectAsync(new[] { noisy }))[0];

        double[] baseline = await LatenciesAsync(calm, recorder, 0, 10);
        // The flooder's bucket starts at its first message judged, after this: what it may have stored is bounded by the
        // burst plus the rate over the time from here until every flood message is judged (measured below).
        var window = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        long flooded = 0;
        // Up to 500 messages/s (about 200 on a loaded machine): hundreds of times the device's own limit (720/h), tens of
        // thousands of times what the firmware sends. A flood near the service's whole capacity would delay everyone in the
        // broker's queue ahead of the service (head-of-line): stopping that is the broker's job (quarantine,
        // docs/response.md), not ingest's.
        Task flood = Task.WhenAll(Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
        {
            for (long seq = lane; !stop.IsCancellationRequested; seq += 4)
            {
                await flooder.PublishHealthAsync(1, seq, None);
                Interlocked.Increment(ref flooded);
                await Task.Delay(8);
            }
        })));
        await ServiceLab.WaitUntil(() => Task.FromResult(Interlocked.Read(ref flooded) > 100), TimeSpan.FromSeconds(20), "the flood under way");
        double[] during = await LatenciesAsync(calm, recorder, 10, 20);
        stop.Cancel();
        await flood;

        double p99Before = baseline[(int)Math.Ceiling(0.99 * baseline.Length) - 1];
        double p99During = during[(int)Math.Ceiling(0.99 * during.Length) - 1];
        // Every flood message the broker acknowledged is judged: stored, or counted against the flooder. Waiting for the
        // sum (not for the first refusal), and then asserting, lets a service without a limiter fail on what it stored.
        long limited = 0, noisyStored = 0, otherwise = 0;
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(20); await Task.Delay(50))
        {
            IReadOnlyList<CounterRecord> counters = await service.Service.Store.ListCountersAsync(noisy.Id, 0, None);
            limited = counters.Where(c => c.Reason == "rate-limited-device").Sum(c => c.Count);
            otherwise = counters.Where(c => c.Reason != "rate-limited-device").Sum(c => c.Count);
            noisyStored = (await service.Service.Store.ListHealthAsync(noisy.Id, 0, long.MaxValue, 100_000, None)).Count;
            if (limited + otherwise + noisyStored >= flooded)
            {
                break;
            }
        }

        window.Stop();
        _output.WriteLine(FormattableString.Invariant($"calm p99 before {p99Before:0} ms, during a flood of {flooded} messages {p99During:0} ms; flooder stored {noisyStored}, rate-limited {limited}, counted otherwise {otherwise}, in {window.ElapsedMilliseconds} ms"));

        // What reached the database: every calm report, and of the flood at most the device's burst plus its rate over
        // the window (+1: a token refilled as the window ends); the limiter, not the service's capacity, is what keeps
        // the flood out (without it the flooder's hundreds of reports are all stored).
        FairLimits limits = options.Ingest.Limits;
        long bound = limits.DeviceBurst + (limits.DevicePerHour * window.ElapsedMilliseconds / 3_600_000) + 1;
        Assert.True(flooded > 200, "the flood sent " + flooded);
        Assert.Equal(200 + noisyStored, await service.Service.Store.CountHealthAsync(None));
        Assert.Equal(200, recorder.Reports.Keys.Count(k => k.Device.StartsWith("calm", StringComparison.Ordinal)));
        Assert.InRange(noisyStored, 1, bound);
        Assert.True(limited > 0, "the flooder was rate-limited " + limited + " times");
        // Nothing lost: a flood message not stored is counted (rate-limited, or stale should a lane of the flood lag).
        Assert.Equal(flooded, noisyStored + limited + otherwise);
        Assert.True(p99During <= (3 * p99Before) + 200, FormattableString.Invariant($"calm devices' p99 went from {p99Before:0} ms to {p99During:0} ms"));
        Assert.DoesNotContain(await service.Service.Store.ListCountersAsync(null, 0, None), c => c.DeviceId.StartsWith("calm", StringComparison.Ordinal));
        foreach (DevicePublisher publisher in calm.Append(flooder))
        {
            await publisher.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(IngestDealing.RoundRobin, 30)]
    [InlineData(IngestDealing.Sticky, 60)]
    public async Task TwoInstances_OneDeviceFloods_RoundRobinSharesTheLimit_TogetherAboutOneBurst(IngestDealing dealing, int perInstance)
    {
        // mosquitto deals the shared subscription message by message in turn: each instance sees half of the device's
        // messages. With round-robin dealing each takes half of its burst (60 / 2), so the two together admit about one
        // burst; with sticky dealing (not what mosquitto does) each keeps the whole burst and together they admit two.
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("shared", 1);
        ServiceIdentity.Issue(_lab.Lab.Pki, "service.2", DateTimeOffset.UtcNow);
        await _lab.Lab.GrantServiceRightsAsync("service.2");
        var first = new CommitRecorder();
        var second = new CommitRecorder();
        ServiceOptions options = _lab.Options() with { Ingest = new IngestOptions { Dealing = dealing } };
        await using RunningService one = await _lab.StartAsync(options, new ServiceExtensions { Observers = new[] { first } });
        await ServiceLab.WaitUntil(async () => await one.Service.Store.GetStateAsync(FleetService.IngestUpState("service"), None) != null, TimeSpan.FromSeconds(20), "instance 1's first heartbeat");
        await using RunningService two = await _lab.StartAsync(options with { Identity = "service.2" }, new ServiceExtensions { Observers = new[] { second } });
        int expectedShare = dealing == IngestDealing.RoundRobin ? 2 : 1;
        // Counted before its first batch, not at its first heartbeat: a backlog waiting for it is judged at its share.
        Assert.Equal(expectedShare, two.Service.Pipeline.LimitsSharedBy);
        await ServiceLab.WaitUntil(() => Task.FromResult(one.Service.Pipeline.LimitsSharedBy == expectedShare && two.Service.Pipeline.LimitsSharedBy == expectedShare),
            TimeSpan.FromSeconds(20), "both instances count each other (heartbeats every 5 s)");

        // 240 messages in a few seconds: refill (720/h, one per 5 s in all) adds at most a few.
        DevicePublisher flooder = (await _lab.ConnectAsync(devices))[0];
        for (int seq = 0; seq < 240; seq++)
        {
            await flooder.PublishHealthAsync(1, seq, None);
        }

        await ServiceLab.WaitUntil(async () => first.Reports.Count + second.Reports.Count
            + (await one.Service.Store.ListCountersAsync(devices[0].Id, 0, None)).Sum(c => c.Count) >= 240, TimeSpan.FromSeconds(30), "every message judged");
        int stored = first.Reports.Count + second.Reports.Count;
        _output.WriteLine(dealing + ": stored " + stored + " (instance 1 " + first.Reports.Count + ", instance 2 " + second.Reports.Count + ")");
        Assert.InRange(stored, 2 * perInstance, 2 * perInstance + 8);
        await flooder.DisposeAsync();
    }

    [Theory]
    [InlineData(DetectionFeedMode.Database, 1)]
    [InlineData(DetectionFeedMode.Local, 0)]
    public async Task TwoInstances_OneDeviceOverTheFirmwaresLimiter_FlaggedOnlyWhenDetectionIsFedFromTheDatabase(DetectionFeedMode feed, int findings)
    {
        // message-flood's bucket holds 92 messages (four boots' bursts) and refills at 60 an hour. 140 messages dealt round
        // robin give each instance about 70: below it when each instance judges its half (local), over it when the lease
        // holder judges the whole stream through the database. The bucket carries its debt across windows, so where the
        // windows cut the flood does not matter; the split would need to be 93/47 or worse for local to flag.
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("feed", 2);
        ServiceIdentity.Issue(_lab.Lab.Pki, "service.2", DateTimeOffset.UtcNow);
        await _lab.Lab.GrantServiceRightsAsync("service.2");
        var integration = new IntegrationOptions { TrafficWindow = TimeSpan.FromSeconds(3), TickInterval = TimeSpan.FromMilliseconds(500) };
        using var first = new FleetIntegration(integration);
        using var second = new FleetIntegration(integration);
        ServiceOptions options = _lab.Options() with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000), DetectionFeed = feed } };
        var recorded = new[] { new CommitRecorder(), new CommitRecorder() };
        await using RunningService one = await _lab.StartAsync(options, Recorded(first.Extensions, recorded[0]));
        await using RunningService two = await _lab.StartAsync(options with { Identity = "service.2" }, Recorded(second.Extensions, recorded[1]));
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        for (int seq = 0; seq < 140; seq++)
        {
            await publishers[0].PublishHealthAsync(1, seq, None);
        }

        // A calm device keeps the feed moving while the windows close.
        for (int seq = 0; seq < 8; seq++)
        {
            await publishers[1].PublishHealthAsync(1, seq, None);
            await Task.Delay(1000);
        }

        IFleetStore store = one.Service.Store;
        Assert.Equal(148, await store.CountHealthAsync(None));
        _output.WriteLine(feed + ": instance 1 committed " + recorded[0].Reports.Count + ", instance 2 " + recorded[1].Reports.Count);
        Assert.InRange(recorded[0].Reports.Keys.Count(k => k.Device == devices[0].Id), 47, 93);
        if (findings > 0)
        {
            await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(devices[0].Id, true, 10, None)).Any(f => f.Rule == "message-flood"), TimeSpan.FromSeconds(20), "the flood's finding");
        }

        IReadOnlyList<FindingRecord> stored = await store.ListFindingsAsync(devices[0].Id, false, 10, None);
        Assert.Equal(findings, stored.Count(f => f.Rule == "message-flood"));
        Assert.Empty(await store.ListFindingsAsync(devices[1].Id, false, 10, None));
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    private static ServiceExtensions Recorded(ServiceExtensions extensions, CommitRecorder recorder) => new()
    {
        Observers = extensions.Observers.Append(recorder).ToArray(),
        Response = extensions.Response,
        Attachments = extensions.Attachments,
        Time = extensions.Time,
    };

    /// <summary>Each device publishes seq <paramref name="from"/>..<paramref name="to"/>-1 every 100 ms; publish-to-commit in ms, sorted.</summary>
    private static async Task<double[]> LatenciesAsync(DevicePublisher[] devices, CommitRecorder recorder, int from, int to)
    {
        var sent = new ConcurrentDictionary<(string, long, long), long>();
        for (int seq = from; seq < to; seq++)
        {
            await Task.WhenAll(devices.Select(async d =>
            {
                sent[(d.Id, 1, seq)] = Stopwatch.GetTimestamp();
                await d.PublishHealthAsync(1, seq, None);
            }));
            await Task.Delay(100);
        }

        await ServiceLab.WaitUntil(() => Task.FromResult(sent.Keys.All(recorder.Reports.ContainsKey)), TimeSpan.FromSeconds(30), "the calm devices' reports committed");
        return sent.Select(s => (recorder.Reports[s.Key] - s.Value) * 1000.0 / Stopwatch.Frequency).OrderBy(x => x).ToArray();
    }
}
