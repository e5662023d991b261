using System;
using System.Threading.Tasks;
using SecureDevice.Fleet.Pki;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// Detection cohorts follow the product the PKI inventory records (real service, real broker): the registry stores it,
/// detection registers each device with it ("unknown" when the inventory names none), and a changed inventory entry
/// moves the device to the other product's cohort at its next report.
/// </summary>
public sealed class CohortProductTests : IDisposable
{
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task InventoryProduct_IsTheRegistryProduct_AndTheDetectionCohort()
    {
        EnrolledDevice sensor = _lab.Enroll("sen", 1)[0];
        EnrolledDevice meter = _lab.Enroll("met", 1)[0];
        EnrolledDevice plain = _lab.Enroll("pln", 1)[0];
        SetProduct(sensor.Id, "sensor");
        SetProduct(meter.Id, "meter-v2");
        using var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromSeconds(1) });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore store = service.Service.Store;
        Assert.Equal("sensor", (await store.GetDeviceAsync(sensor.Id, default))!.Product);
        Assert.Equal("meter-v2", (await store.GetDeviceAsync(meter.Id, default))!.Product);
        Assert.Equal(DeviceRecord.UnknownProduct, (await store.GetDeviceAsync(plain.Id, default))!.Product);

        DevicePublisher[] publishers = await _lab.ConnectAsync(new[] { sensor, meter, plain });
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.PublishHealthAsync(1, 0, default);
        }

        await ServiceLab.WaitUntil(() => Task.FromResult(integration.Detection.ProductOf(plain.Id) != null && integration.Detection.ProductOf(meter.Id) != null && integration.Detection.ProductOf(sensor.Id) != null),
            TimeSpan.FromSeconds(20), "the three registrations");
        Assert.Equal("sensor", integration.Detection.ProductOf(sensor.Id));
        Assert.Equal("meter-v2", integration.Detection.ProductOf(meter.Id));
        Assert.Equal("unknown", integration.Detection.ProductOf(plain.Id));

        // The inventory changes (the registry polls it): the device's next report registers it in the other cohort.
        SetProduct(sensor.Id, "meter-v2");
        await ServiceLab.WaitUntil(async () => (await store.GetDeviceAsync(sensor.Id, default))!.Product == "meter-v2", TimeSpan.FromSeconds(20), "the registry reload");
        await ServiceLab.WaitUntil(() => Task.FromResult(service.Service.Registry.TryGet(sensor.Id, out DeviceRecord record) && record.Product == "meter-v2"), TimeSpan.FromSeconds(20), "the in-memory registry");
        await publishers[0].PublishHealthAsync(1, 1, default);
        await ServiceLab.WaitUntil(() => Task.FromResult(integration.Detection.ProductOf(sensor.Id) == "meter-v2"), TimeSpan.FromSeconds(20), "the new cohort");
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    private void SetProduct(string deviceId, string product)
    {
        using IDisposable locked = PkiLock.Acquire(_lab.Lab.Pki);
        Inventory inventory = Inventory.Load(_lab.Lab.Pki.Inventory);
        inventory.Find(deviceId)!.Product = product;
        inventory.Save(_lab.Lab.Pki.Inventory);
    }
}
