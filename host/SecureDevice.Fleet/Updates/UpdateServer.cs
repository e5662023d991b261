using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using SecureDevice.Fleet.Files;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;

namespace SecureDevice.Fleet.Updates;

/// <summary>
/// A read-only HTTPS file server for update bundles (Kestrel, TLS 1.2 and 1.3, HTTP/1.1 like the devices). Files are
/// served by ASP.NET Core's static file middleware, which implements single byte ranges, HEAD, ETag and Last-Modified
/// correctly; every file is <c>application/octet-stream</c>; there is no directory listing, no default document, no
/// dot-prefixed name and no symbolic link (<see cref="UpdatePathGuard"/>). ASP.NET Core logs nothing: each request is
/// reported once, as an <see cref="UpdateRequest"/>, to the optional callback. Used by <c>securedevice serve-updates</c>,
/// by tests and by the demo, in process.
/// </summary>
public sealed class UpdateServer : IDisposable
{
    private readonly WebApplication _application;
    private readonly Action<UpdateRequest>? _requestLog;
    private long _requests;
    private long _bytesSent;
    private long _rangeRequests;
    private long _notFound;
    private int _stopped;

    private UpdateServer(WebApplication application, Action<UpdateRequest>? requestLog, string root)
    {
        _application = application;
        _requestLog = requestLog;
        Root = root;
    }

    /// <summary>Full path of the served folder.</summary>
    public string Root { get; }

    /// <summary>"https://address:port/" (the actual port when started with port 0).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The port listened on.</summary>
    public int Port { get; private set; }

    /// <summary>Requests answered, whatever their status.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Response body bytes written (a download cut short counts only what was written).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Requests that carried a Range header (resumed downloads).</summary>
    public long RangeRequests => Interlocked.Read(ref _rangeRequests);

    /// <summary>Requests answered 404.</summary>
    public long NotFound => Interlocked.Read(ref _notFound);

    /// <summary>
    /// Starts serving <paramref name="root"/> on <paramref name="bindAddress"/>:<paramref name="port"/> (0 picks a free port)
    /// and returns once the socket listens.
    /// </summary>
    /// <param name="root">Folder to serve; must exist.</param>
    /// <param name="port">TCP port, 0 … 65535.</param>
    /// <param name="certificate">Server certificate with its private key.</param>
    /// <param name="bindAddress">IP address to listen on (an IPv4 or IPv6 literal).</param>
    /// <param name="requestLog">Called once per answered request, on a server thread; must not throw.</param>
    /// <param name="intermediates">CA certificates sent after the server certificate, if it is not issued by the devices' CA directly.</param>
    /// <exception cref="FleetException">The folder is missing or unreadable, a bad address or port, a certificate without
    /// its key, or the address cannot be bound (in use, or not an address of this machine).</exception>
    public static UpdateServer Start(string root, int port, X509Certificate2 certificate, string bindAddress = "127.0.0.1",
        Action<UpdateRequest>? requestLog = null, X509Certificate2Collection? intermediates = null)
    {
        string folder = Path.GetFullPath(root);
        SafeFileReader.RequireReadableFolder(folder, "bundle folder");
        if (!IPAddress.TryParse(bindAddress, out IPAddress? address))
        {
            throw new FleetException(FleetError.InvalidArgument, "the bind address must be an IP address, got '" + bindAddress + "'");
        }

        if (port < 0 || port > 65535)
        {
            throw new FleetException(FleetError.InvalidArgument, "the port must be 0..65535");
        }

        if (!certificate.HasPrivateKey)
        {
            throw new FleetException(FleetError.InvalidArgument, "the server certificate has no private key");
        }

        // The empty builder reads no appsettings.json, environment variables or command line and adds no logger: nothing
        // from the served folder or the environment can reconfigure the server, and ASP.NET Core prints nothing itself.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    ServerCertificateChain = intermediates,
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                });
            });
        });

        WebApplication application = builder.Build();
        var server = new UpdateServer(application, requestLog, folder);
        server.Configure(application);
        try
        {
            application.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is IOException or SocketException || error.InnerException is SocketException or IOException)
        {
            application.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new FleetException(FleetError.Network, "cannot listen on " + Authority(address, port) + ": " + (error.InnerException?.Message ?? error.Message), error);
        }

        string bound = application.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(bound).Port;
        server.BaseUrl = "https://" + Authority(address, server.Port) + "/";
        return server;
    }

    /// <summary>Stops listening and waits (up to 5 s) for requests in flight. Safe to call more than once.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            _application.StopAsync(timeout.Token).GetAwaiter().GetResult();
        }

        _application.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Same as <see cref="Stop"/>.</summary>
    public void Dispose() => Stop();

    private static string Authority(IPAddress address, int port) =>
        (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString()) + ":" + port;

    private void Configure(WebApplication application)
    {
        application.Use(CountAndLog);
        application.Use(GuardPath);

        // No mapping from extension to type: with ServeUnknownFileTypes every file (manifest.json included) goes out as
        // application/octet-stream, the one type devices expect.
        application.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new SafeFileProvider(Root),
            ContentTypeProvider = new FileExtensionContentTypeProvider(new Dictionary<string, string>()),
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
        });
        application.Run(NothingHere);
    }

    private async Task CountAndLog(HttpContext context, RequestDelegate next)
    {
        var counting = new CountingStream(context.Response.Body);
        context.Response.Body = counting;
        string? range = context.Request.Headers.Range.Count > 0 ? context.Request.Headers.Range.ToString() : null;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _bytesSent, counting.Written);
            if (range != null)
            {
                Interlocked.Increment(ref _rangeRequests);
            }

            if (context.Response.StatusCode == StatusCodes.Status404NotFound)
            {
                Interlocked.Increment(ref _notFound);
            }

            if (_requestLog != null)
            {
                string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToString();
                _requestLog(new UpdateRequest(context.Connection.RemoteIpAddress?.ToString() ?? "-", context.Request.Method, target, range,
                    context.Response.StatusCode, counting.Written));
            }
        }
    }

    private Task GuardPath(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        if (!UpdatePathGuard.IsAllowed(Root, context.Request.Path.Value ?? string.Empty))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    }

    private static Task NothingHere(HttpContext context)
    {
        // Folders and missing files alike: no listing, and no hint about what exists.
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
