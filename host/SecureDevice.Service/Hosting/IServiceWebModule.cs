using Microsoft.AspNetCore.Builder;

namespace SecureDevice.Service.Hosting;

/// <summary>
/// A web module the service host plugs in (the console of issue 14): it adds its services and listeners before the
/// host is built, and its middleware and endpoints after <see cref="FleetServiceHost.MapEndpoints"/>.
/// </summary>
public interface IServiceWebModule
{
    void ConfigureServices(WebApplicationBuilder builder, FleetService service);

    void Configure(WebApplication app, FleetService service);
}
