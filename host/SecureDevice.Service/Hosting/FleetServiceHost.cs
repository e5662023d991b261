using System;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SecureDevice.Service.Hosting;

/// <summary>A started service: its parts and the HTTP address it listens on.</summary>
public sealed class RunningService : IAsyncDisposable
{
    internal RunningService(WebApplication app, FleetService service, Uri address)
    {
        App = app;
        Service = service;
        Address = address;
    }

    public WebApplication App { get; }

    public FleetService Service { get; }

    /// <summary>http://127.0.0.1:PORT/ (the port chosen when 0 was asked).</summary>
    public Uri Address { get; }

    /// <summary>Completes when the host stops (Ctrl-C, SIGTERM, <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => App.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync() => App.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await Service.DisposeAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// Builds and starts the service's ASP.NET Core host: the service's parts as a hosted service, Kestrel on
/// <see cref="ServiceOptions.Listen"/>, and the unauthenticated endpoints /health/live, /health/ready and /metrics
/// (nothing else: the console and API of issue 14 add HTTPS and authentication before anything that reveals or changes
/// devices). The CLI command, the bench and the tests start it through here.
/// </summary>
public static class FleetServiceHost
{
    public static async Task<RunningService> StartAsync(ServiceOptions options, ServiceExtensions? extensions = null, CancellationToken cancellationToken = default)
    {
        extensions ??= new ServiceExtensions();
        // The empty builder reads no appsettings.json, environment variables or command line: the service is configured by
        // ServiceOptions alone, so nothing in the data folder or the environment can reconfigure Kestrel or the logs. Its
        // content root is the binaries' folder, not the data folder: the slim builder's configuration reload watched the
        // content root and every folder below it, so each write of the SQLite log woke a file-watcher thread (748 wake-ups
        // a second at 5,000 reports/s, docs/scale.md, eleventh round).
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "SecureDevice.Service", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled; // journald, files and pipes get plain text
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z' ";
        });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(options.Listen);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        using var bootLogs = LoggerFactory.Create(l => l.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.ColorBehavior = Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled;
        }).SetMinimumLevel(options.LogLevel).AddFilter("Microsoft", LogLevel.Warning));
        FleetService service = await FleetService.CreateAsync(options, extensions, bootLogs, cancellationToken).ConfigureAwait(false);
        builder.Services.AddSingleton(service);
        builder.Services.AddHostedService<FleetServiceWorker>();
        extensions.Web?.ConfigureServices(builder, service);
        WebApplication app = builder.Build();
        MapEndpoints(app, service);
        extensions.Web?.Configure(app, service);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is System.IO.IOException or System.Net.Sockets.SocketException)
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw new Fleet.FleetException(Fleet.FleetError.Network, "cannot listen on " + options.Listen + ": " + error.Message);
        }

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningService(app, service, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>/health/live, /health/ready, /metrics.</summary>
    public static void MapEndpoints(WebApplication app, FleetService service)
    {
        app.MapGet("/health/live", () => Results.Text("live\n", "text/plain"));
        app.MapGet("/health/ready", async (CancellationToken cancellationToken) =>
        {
            Readiness readiness = await service.ReadinessAsync(cancellationToken).ConfigureAwait(false);
            string body = JsonSerializer.Serialize(new { ready = readiness.Ready, broker = readiness.Broker, database = readiness.Database, registry = readiness.Registry, ingest = readiness.Ingest });
            return Results.Text(body, "application/json", statusCode: readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await service.Metrics.ExportAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
    }

    /// <summary>Runs the service's loops for the host's lifetime.</summary>
    private sealed class FleetServiceWorker : IHostedService
    {
        private readonly FleetService _service;

        public FleetServiceWorker(FleetService service) => _service = service;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _service.Start();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => _service.StopAsync();
    }
}
