using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Tests.EndToEnd;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Hosting;

public sealed class FleetServiceHostTests
{
    [Fact]
    public async Task StartAsync_AppsettingsPlantedInTheDataFolder_NotReadNotWatched()
    {
        using var lab = new ServiceLab();
        int planted = FreePort.Next();
        File.WriteAllText(Path.Combine(lab.Lab.Data, "appsettings.json"),
            "{\"planted\":\"yes\",\"Kestrel\":{\"Endpoints\":{\"planted\":{\"Url\":\"http://127.0.0.1:" + planted + "\"}}}}");

        await using RunningService running = await lab.StartAsync(lab.Options());

        // Configured by ServiceOptions alone: a file in the data folder cannot add a listener or change anything.
        Assert.Null(running.App.Services.GetRequiredService<IConfiguration>()["planted"]);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", planted));

        // Nor is the data folder the content root, whose tree the slim builder's configuration reload watched.
        Assert.NotEqual(Path.GetFullPath(lab.Lab.Data).TrimEnd('/'), running.App.Environment.ContentRootPath.TrimEnd('/'));
    }
}
