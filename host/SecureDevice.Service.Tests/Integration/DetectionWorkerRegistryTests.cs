using System;
using System.Linq;
using System.Threading.Tasks;
using SecureDevice.Fleet.Detection;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The registry's rules reach devices that never reported: the worker registers, from the registry, an active device
/// whose certificate is within the expiry rule's horizon, so certificate-expiry opens for a provisioned device that never
/// connected, and such a device is never "silent" (silence is missed reports after reporting). A renewed certificate
/// registers the device again and the finding clears without waiting for a report. Devices far from expiry stay out of
/// the engine (memory). The worker is driven directly on a settable clock.
/// </summary>
public sealed class DetectionWorkerRegistryTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Tick_ProvisionedNeverConnected_CertificateExpiryOpens_NeverSilent()
    {
        var (worker, clock, findings) = DetectionWorkerConnectsTests.Worker();
        var registry = new DeviceRegistry();
        registry.Replace(new[] { Device("dev-new", T0.AddDays(10)), Device("dev-far", T0.AddDays(365)), Device("dev-revoked", T0.AddDays(5), "revoked") });
        worker.Registry = registry;

        // A day of ticks: the registry's device is judged, and never called silent.
        for (int minute = 1; minute <= 24 * 60; minute += 30)
        {
            clock.Now = T0.AddMinutes(minute);
            await worker.TickNowAsync(clock.Now);
        }

        Finding expiry = Assert.Single(findings);
        Assert.Equal(("dev-new", "certificate-expiry", FindingState.Open, FindingSeverity.Warning), (expiry.DeviceId, expiry.Code, expiry.State, expiry.Severity));
        Assert.Null(worker.ProductOf("dev-far"));
        Assert.Null(worker.ProductOf("dev-revoked"));

        // Time brings the other certificate into the horizon: the hourly sweep registers it though the registry did not change.
        clock.Now = T0.AddDays(340);
        await worker.TickNowAsync(clock.Now);
        Assert.Contains(findings, f => f.DeviceId == "dev-far" && f.Code == "certificate-expiry" && f.State == FindingState.Open);
        Assert.DoesNotContain(findings, f => f.Code == "silence");
    }

    [Fact]
    public async Task Tick_CertificateRenewed_FindingClearsWithoutAReport()
    {
        var (worker, clock, findings) = DetectionWorkerConnectsTests.Worker();
        var registry = new DeviceRegistry();
        registry.Replace(new[] { Device("dev-new", T0.AddDays(3)) });
        worker.Registry = registry;
        clock.Now = T0.AddMinutes(1);
        await worker.TickNowAsync(clock.Now);
        Assert.Equal(FindingSeverity.Critical, Assert.Single(findings).Severity);

        registry.Replace(new[] { Device("dev-new", T0.AddDays(400)) });
        clock.Now = T0.AddMinutes(2);
        await worker.TickNowAsync(clock.Now);

        Assert.Equal(2, findings.Count);
        Assert.Equal(("certificate-expiry", FindingState.Cleared), (findings[1].Code, findings[1].State));
    }

    private static DeviceRecord Device(string id, DateTime notAfter, string status = "active") =>
        new(1, id, "acme", "0A1B", new string('a', 64), new DateTimeOffset(notAfter).ToUnixTimeMilliseconds(), 0, status, null, "normal",
            null, null, null, null, null, "unknown", null, "sensor");
}
