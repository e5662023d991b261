using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Pki;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Storage;
using Xunit;

namespace SecureDevice.Service.Tests.EndToEnd;

/// <summary>The service in-process against real mosquitto (reference configuration, mutual TLS) and real SQLite.</summary>
public sealed class ServiceEndToEndTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task Reports_FromDevicesOverMutualTls_AreStoredOnce_AndTheEndpointsAnswer()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("dev", 3);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        foreach (DevicePublisher device in publishers)
        {
            await device.PublishAsync("status", Encoding.ASCII.GetBytes("online"), None, retain: true);
            for (int seq = 0; seq < 5; seq++)
            {
                await device.PublishHealthAsync(boot: 4, seq, None);
            }

            await device.PublishAsync("update", Encoding.ASCII.GetBytes("{\"state\":\"idle\",\"outcome\":\"none\",\"code\":0,\"boot\":4,\"seq\":1}"), None);
            await device.PublishAsync("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\",\"code\":\"main-loop\",\"count\":2,\"boot\":4,\"detail\":\"NullReferenceException\"}"), None);
        }

        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) == 15 && (await store.ListEventsAsync("dev-003", 0, 10, None)).Count == 3, TimeSpan.FromSeconds(20), "15 reports and the events");
        IReadOnlyList<HealthRecord> rows = await store.ListHealthAsync("dev-002", 0, long.MaxValue, 100, None);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, rows.Select(r => r.Seq).ToArray());
        Assert.All(rows, r => Assert.Equal((4L, 3300L, 1L << 32), (r.Boot, r.SupplyMv!.Value, r.VersionCode)));
        Assert.Equal(HealthReports.Cbor(4, 3), rows[3].Payload);
        Assert.Equal(new[] { "presence", "update", "fault" }, (await store.ListEventsAsync("dev-001", 0, 10, None)).Select(e => e.Kind).ToArray());
        DeviceRecord device1 = (await store.GetDeviceAsync("dev-001", None))!;
        Assert.Equal(("online", 4L, 4L, "acme"), (device1.Presence, device1.LastBoot!.Value, device1.LastSeq!.Value, device1.CustomerId!));
        Assert.Empty(await store.ListCountersAsync(null, 0, None));

        var (readyStatus, ready) = await ServiceLab.GetAsync(service, "health/ready");
        Assert.Equal((HttpStatusCode.OK, "{\"ready\":true,\"broker\":true,\"database\":true,\"registry\":true,\"ingest\":true}"), (readyStatus, ready));
        Assert.Equal(HttpStatusCode.OK, (await ServiceLab.GetAsync(service, "health/live")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ServiceLab.GetAsync(service, "devices")).Status);
        string metrics = (await ServiceLab.GetAsync(service, "metrics")).Body;
        foreach (string line in new[] { "securedevice_ingest_stored_total{kind=\"health\"} 15", "securedevice_ingest_stored_total{kind=\"event\"} 6",
            "securedevice_ingest_stored_total{kind=\"presence\"} 3", "securedevice_broker_connected 1", "securedevice_ingest_queue_depth 0",
            "securedevice_ingest_rejected_total{reason=\"malformed-cbor\"} 0", "securedevice_registry_devices{status=\"active\"} 3" })
        {
            Assert.Contains(line + "\n", metrics);
        }

        foreach (string name in new[] { "process_cpu_seconds_total", "process_working_set_bytes", "securedevice_ingest_received_bytes_total", "securedevice_database_bytes",
            "securedevice_ingest_receive_to_commit_seconds_bucket" })
        {
            Assert.Contains("\n" + name, metrics);
        }

        // With SQLite the service checkpoints the write-ahead log itself, every 250 ms, off the ingest writer's path.
        await ServiceLab.WaitUntil(async () => (await ServiceLab.GetAsync(service, "metrics")).Body.Contains("\nsecuredevice_sqlite_checkpoints_total{result=\"complete\"}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "a background checkpoint");

        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task DailySummary_AddsWhatThisInstanceDidSinceItsLastFlush_StorageBandwidthCompute()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("sum", 2);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        IFleetStore store = service.Service.Store;
        for (int round = 1; round <= 2; round++)
        {
            foreach (DevicePublisher device in publishers)
            {
                for (int seq = 0; seq < 5; seq++)
                {
                    await device.PublishHealthAsync(boot: round, seq, None);
                }
            }

            await SendGarbageAsync(publishers[0]);
            // The summary counts what the acknowledger reported after the commit: wait for the metrics too, not only the rows.
            await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) == 10 * round && (await store.ListCountersAsync(null, 0, None)).Sum(c => c.Count) == round
                && service.Service.Metrics.Stored.WithLabels("health").Value == 10 * round && Enum.GetValues<IngestReason>().Sum(r => service.Service.Metrics.Rejected.WithLabels(r.Code()).Value) == round,
                TimeSpan.FromSeconds(20), "the round's reports");
            await service.Service.Maintenance.RunOnceAsync(None);
            DailySummary day = Assert.Single(await store.ListDailyAsync(0, None));
            Assert.Equal(("service", 11L * round, 10L * round, 0L, (long)round), (day.Instance, day.Messages, day.Reports, day.Events, day.Rejected));
            Assert.InRange(day.BytesIn, 11L * round * 30, 11L * round * 200);
            Assert.Equal(10L * round, day.RawRows);
            Assert.True(day.CpuMs > 0 && day.PeakRssBytes > 10_000_000 && day.DatabaseBytes > 0, day.ToString());
            Assert.Equal(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 86_400_000 * 86_400_000, day.DayMs);
        }

        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }

        static Task SendGarbageAsync(DevicePublisher device) => device.PublishAsync("health", new byte[] { 0xff, 0x00 }, None);
    }

    [Fact]
    public async Task BadInput_IsCountedAgainstItsDevice_AndIngestGoesOn()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("bad", 2, owner: null);
        EnrolledDevice removed = _lab.Enroll("gone", 1).Single();
        Inventory inventory = Inventory.Load(_lab.Lab.Pki.Inventory);
        inventory.Devices.RemoveAll(d => d.Id == removed.Id);
        inventory.Save(_lab.Lab.Pki.Inventory);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices.Append(removed));
        DevicePublisher bad = publishers[0];
        byte[] wrongShape = Convert.FromHexString("a10001"); // {0: 1}: CBOR, not a report
        byte[] schema3 = HealthReports.Cbor(1, 0);
        Assert.Equal(0x02, schema3[2]); // key 0 (schema version) = 2, the current schema
        schema3[2] = 0x03; // a schema this service does not know
        var sent = new (string Leaf, byte[] Payload)[]
        {
            ("health", Encoding.ASCII.GetBytes("garbage")),
            ("health", new byte[400]),
            ("health", wrongShape),
            ("health", schema3),
            ("health", HealthReports.Cbor(5, 0)),
            ("health", HealthReports.Cbor(5, 0)),
            ("health", HealthReports.Cbor(1, 0)),
            ("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\"}")),
            ("events", Encoding.ASCII.GetBytes("{\"e\":\"x\",\"e\":\"y\"}")),
            ("update", Encoding.ASCII.GetBytes("[1,2,3]")),
            ("update", new byte[] { 0xff, 0xfe }),
            ("status", Encoding.ASCII.GetBytes("maybe")),
            ("health", HealthReports.Cbor(5, 1)),
        };
        foreach (var (leaf, payload) in sent)
        {
            await bad.PublishAsync(leaf, payload, None);
        }

        await publishers[1].PublishHealthAsync(1, 0, None);
        await publishers[2].PublishHealthAsync(1, 0, None);
        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => (await store.ListCountersAsync(null, 0, None)).Sum(c => c.Count) >= 12 && await store.CountHealthAsync(None) == 3,
            TimeSpan.FromSeconds(20), "the counters and the good reports");
        var counts = (await store.ListCountersAsync(null, 0, None)).GroupBy(c => (c.DeviceId, c.Reason)).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
        var expected = new Dictionary<(string, string), long>
        {
            [("bad-001", "malformed-cbor")] = 1,
            [("bad-001", "too-large")] = 1,
            [("bad-001", "wrong-shape")] = 1,
            [("bad-001", "unsupported-schema")] = 1,
            [("bad-001", "duplicate")] = 1,
            [("bad-001", "stale")] = 1,
            [("bad-001", "bad-event")] = 4,
            [("bad-001", "bad-presence")] = 1,
            [("gone-001", "unknown-device")] = 1,
        };
        Assert.Equal(expected.OrderBy(e => e.Key).ToList(), counts.OrderBy(e => e.Key).ToList());
        Assert.Equal(new long[] { 0, 1 }, (await store.ListHealthAsync("bad-001", 0, long.MaxValue, 10, None)).Select(r => r.Seq).ToArray());
        Assert.Single(await store.ListHealthAsync("bad-002", 0, long.MaxValue, 10, None));
        string metrics = (await ServiceLab.GetAsync(service, "metrics")).Body;
        Assert.Contains("securedevice_ingest_rejected_total{reason=\"bad-event\"} 4\n", metrics);
        Assert.Contains("securedevice_ingest_rejected_total{reason=\"unknown-device\"} 1\n", metrics);
        Assert.True((await ServiceLab.GetAsync(service, "health/ready")).Status == HttpStatusCode.OK);
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }
}
