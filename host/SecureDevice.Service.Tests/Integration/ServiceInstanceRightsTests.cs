using System;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>A further service instance's dynamic-security client: created with the service role, kept by a broker sync.</summary>
public sealed class ServiceInstanceRightsTests : IDisposable
{
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task AddServiceInstance_CreatesIt_Idempotent_SyncLeavesIt_RefusesOtherNames()
    {
        _lab.Enroll("dev", 1);
        using DynamicSecurityAdmin admin = _lab.Lab.Admin();
        Assert.True((await admin.AddServiceInstanceAsync("service.2")).Succeeded);
        Assert.True((await admin.AddServiceInstanceAsync("service.2")).Succeeded);
        Assert.Equal(BrokerAccessStatus.Rejected, (await admin.AddServiceInstanceAsync("dev-001")).Status);
        Assert.Equal(BrokerAccessStatus.Rejected, (await admin.AddServiceInstanceAsync("service.")).Status);
        BrokerSyncResult synced = await admin.SyncAsync(Inventory.Load(_lab.Lab.Pki.Inventory));
        Assert.Equal(BrokerAccessStatus.Done, synced.Status);
        Assert.DoesNotContain("service.2", synced.Removed);
        Assert.False(BrokerRights.IsDeviceUser("service.2"));
        Assert.True(BrokerRights.IsDeviceUser("dev-001"));
    }
}
