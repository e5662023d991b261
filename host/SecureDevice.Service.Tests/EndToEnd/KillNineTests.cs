using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.EndToEnd;

/// <summary>
/// The service process is killed with SIGKILL while devices keep publishing, then started again: every report is
/// stored exactly once (the broker queued what arrived meanwhile and redelivered what was not acknowledged; the
/// database's (device, boot, seq) key stored the redelivered ones once).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KillNineTests : IDisposable
{
    private const int Devices = 10;
    private const int ReportsEach = 40;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();
    private readonly PostgresFixture _postgres;
    private readonly ITestOutputHelper _output;

    public KillNineTests(PostgresFixture postgres, ITestOutputHelper output)
    {
        _postgres = postgres;
        _output = output;
    }

    public void Dispose() => _lab.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task KillNine_WhileDevicesPublish_EveryReportStoredExactlyOnce(string dialect)
    {
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("k", Devices);
        string[] arguments = new[] { "--pki", _lab.Lab.Pki.Folder, "--data", _lab.Lab.Data, "--broker", "localhost:" + _lab.Lab.Port, "--listen", "127.0.0.1:0", "--quiet",
            "--device-burst", "10000", "--device-rate", "1000000" }
            .Concat(url != null ? new[] { "--database", url } : Array.Empty<string>()).ToArray();
        var first = ServiceProcess.Start(arguments);
        ServiceProcess? second = null;
        await using var store = new FleetStore(dialect == "sqlite" ? new SqliteDialect(_lab.Lab.Data) : new PostgresDialect(DatabaseUrl.Parse(url!), "kill-test"));
        try
        {
            await first.ReadyAsync(TimeSpan.FromSeconds(60));
            DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
            int published = 0;
            long storedAtKill = -1;
            for (int seq = 0; seq < ReportsEach; seq++)
            {
                await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(2, seq, None)));
                published += Devices;
                if (seq == ReportsEach / 3)
                {
                    // Mid-stream: some reports committed, others in flight or queued.
                    await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) > 0, TimeSpan.FromSeconds(20), "a first commit");
                    first.KillHard();
                    storedAtKill = await store.CountHealthAsync(None);
                }
                else if (seq == (2 * ReportsEach) / 3)
                {
                    second = ServiceProcess.Start(arguments);
                }

                await Task.Delay(10);
            }

            Assert.True(first.Exited);
            await second!.ReadyAsync(TimeSpan.FromSeconds(60));
            try
            {
                await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) >= published, TimeSpan.FromSeconds(60), published + " reports stored");
            }
            catch (TimeoutException error)
            {
                throw new TimeoutException(error.Message + " (" + await store.CountHealthAsync(None) + " stored, " + storedAtKill + " at the kill)\nfirst:\n" + first.Output + "\nsecond:\n" + second.Output
                    + "\nbroker:\n" + _lab.Lab.Broker.Log[Math.Max(0, _lab.Lab.Broker.Log.Length - 3000)..]);
            }
            await Task.Delay(500);
            Assert.Equal(published, await store.CountHealthAsync(None));
            foreach (EnrolledDevice device in devices)
            {
                IReadOnlyList<HealthRecord> rows = await store.ListHealthAsync(device.Id, 0, long.MaxValue, 1000, None);
                Assert.Equal(Enumerable.Range(0, ReportsEach).Select(i => (long)i).ToArray(), rows.Select(r => r.Seq).OrderBy(s => s).ToArray());
            }

            IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(null, 0, None);
            Assert.All(counters, c => Assert.Equal("redelivered", c.Reason));
            _output.WriteLine(dialect + ": published " + published + ", stored at the kill " + storedAtKill + ", stored in the end " + published
                + ", redelivered copies stored once: " + counters.Sum(c => c.Count));
            foreach (DevicePublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
        }
    }
}
