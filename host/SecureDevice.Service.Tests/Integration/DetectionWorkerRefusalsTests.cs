using System;
using System.Linq;
using System.Threading.Tasks;
using SecureDevice.Fleet.Detection;
using SecureDevice.Service.Extensions;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// outside-acl in the service: the broker's refusal reports reach the worker as <see cref="CommittedBatch.Refusals"/>, are
/// summed per device per window as the window's refused publishes (not as messages: they never reached the service) and
/// open the rule; a device without refusals gets none.
/// </summary>
public sealed class DetectionWorkerRefusalsTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Refusals_ElevenInAWindow_OutsideAclCriticalForThatDeviceOnly()
    {
        var (worker, clock, findings) = DetectionWorkerConnectsTests.Worker();
        await worker.JudgeAsync(Batch(new BrokerRefusal("dev-bot", 5, 50, Ms(T0.AddSeconds(10))), new BrokerRefusal("dev-bot", 6, 60, Ms(T0.AddSeconds(20)))));
        await worker.JudgeAsync(Batch(new BrokerRefusal("dev-calm", 0, 0, Ms(T0.AddSeconds(30)))));

        clock.Now = T0.AddMinutes(5);
        await worker.TickNowAsync(clock.Now);

        Finding finding = Assert.Single(findings);
        Assert.Equal(("dev-bot", "outside-acl", FindingSeverity.Critical), (finding.DeviceId, finding.Code, finding.Severity));
        Assert.Contains("11 publishes in 5 min refused", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_NotCountedAsMessages_NoFloodFromRefusedPublishes()
    {
        // 500 refused publishes in a window: far above message-flood's bucket were they messages; the broker dropped them.
        var (worker, clock, findings) = DetectionWorkerConnectsTests.Worker();
        await worker.JudgeAsync(Batch(new BrokerRefusal("dev-bot", 500, 5000, Ms(T0.AddSeconds(10)))));

        clock.Now = T0.AddMinutes(5);
        await worker.TickNowAsync(clock.Now);

        Assert.Equal(new[] { "outside-acl" }, findings.Select(f => f.Code).ToArray());
    }

    private static CommittedBatch Batch(params BrokerRefusal[] refusals) =>
        new(Array.Empty<StoredReport>(), Array.Empty<StoredEvent>(), Array.Empty<IngestRejection>(), 0) { Refusals = refusals };

    private static long Ms(DateTime at) => new DateTimeOffset(at).ToUnixTimeMilliseconds();
}
