using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Hosting;

namespace SecureDevice.Service.Integration;

/// <summary>
/// An extension that needs the running service (its MQTT connection, registry, store, action dispatcher): attached
/// once the service is created, then run with the service's other loops until it stops.
/// </summary>
public interface IServiceAttachment
{
    void Attach(FleetService service);

    Task RunAsync(CancellationToken cancellationToken);
}
