using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// Detection's state reaches the database on the snapshot interval while the service runs (what a kill -9 keeps), not
/// only at a clean stop, also when the interval is shorter than detection's tick.
/// </summary>
public sealed class DetectionSnapshotTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task SnapshotInterval_ShorterThanTheTick_DeviceStateWrittenWhileRunning()
    {
        EnrolledDevice device = _lab.Enroll("snap", 1)[0];
        using var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromHours(1), SnapshotInterval = TimeSpan.FromSeconds(1) });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device }))[0];
        for (int seq = 0; seq < 3; seq++)
        {
            await publisher.PublishHealthAsync(1, seq, None);
        }

        await ServiceLab.WaitUntil(async () => await service.Service.Store.CountHealthAsync(None) == 3, TimeSpan.FromSeconds(20), "the reports stored");
        var state = new ServiceStateStore(service.Service.Dialect);
        string? snapshotted = null;
        await ServiceLab.WaitUntil(async () =>
        {
            await state.LoadDetectionAsync((id, _) => snapshotted = id, None);
            return snapshotted != null;
        }, TimeSpan.FromSeconds(10), "a detection snapshot within a few intervals");
        Assert.Equal(device.Id, snapshotted);
    }
}
