using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

/// <summary>One request the receiver got: the raw body and the headers the scheme defines.</summary>
public sealed record ReceivedHook(string Path, string? Signature, string? EventId, string? ContentType, byte[] Body);

/// <summary>An in-test webhook receiver (Kestrel on 127.0.0.1): records every request and answers with the next queued status (200 when none).</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedHook> Requests { get; } = new();

    /// <summary>Statuses to answer with, in order (302 answers with a Location to /elsewhere).</summary>
    public ConcurrentQueue<int> Statuses { get; } = new();

    public Uri Url { get; private set; } = null!;

    /// <summary>How long each request is held before it is answered (a slow receiver).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public static async Task<WebhookReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            receiver.Requests.Enqueue(new ReceivedHook(context.Request.Path, context.Request.Headers["X-SecureDevice-Signature"].FirstOrDefault(),
                context.Request.Headers["X-SecureDevice-Event"].FirstOrDefault(), context.Request.ContentType, buffer.ToArray()));
            await Task.Delay(receiver.Delay);
            int status = receiver.Statuses.TryDequeue(out int next) ? next : 200;
            context.Response.StatusCode = status;
            if (status == 302)
            {
                context.Response.Headers.Location = "/elsewhere";
            }

            await context.Response.WriteAsync(status >= 400 ? "receiver says no" : "ok");
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/hook");
        return receiver;
    }

    public IReadOnlyList<ReceivedHook> Received => Requests.ToArray();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
