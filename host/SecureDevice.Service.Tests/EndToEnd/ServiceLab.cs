using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.TestSupport;

namespace SecureDevice.Service.Tests.EndToEnd;

/// <summary>Records when each report was committed (Stopwatch time), through the observer extension point.</summary>
public sealed class CommitRecorder : IIngestObserver
{
    public ConcurrentDictionary<(string Device, long Boot, long Seq), long> Reports { get; } = new();

    public ConcurrentQueue<StoredEvent> Events { get; } = new();

    public void OnCommitted(CommittedBatch batch)
    {
        long now = Stopwatch.GetTimestamp();
        foreach (StoredReport report in batch.Reports)
        {
            Reports.TryAdd((report.DeviceId, report.Boot, report.Seq), now);
        }

        foreach (StoredEvent e in batch.Events)
        {
            Events.Enqueue(e);
        }
    }
}

/// <summary>A throwaway fleet (PKI, reference broker in mosquitto, data folder) and helpers to run the service against it.</summary>
public sealed class ServiceLab : IDisposable
{
    private readonly TemporaryDirectory _folder = new("svc");

    public ServiceLab() => Lab = IngestLab.Create(_folder.Combine("lab"));

    /// <summary>A lab whose broker is rendered by <paramref name="broker"/> (the refusal counter, extra configuration).</summary>
    public ServiceLab(IngestLabBroker broker) => Lab = IngestLab.Create(_folder.Combine("lab"), null, null, broker);

    public IngestLab Lab { get; }

    public ServiceOptions Options(string? databaseUrl = null, string identity = "service") => new()
    {
        PkiFolder = Lab.Pki.Folder,
        DataFolder = Lab.Data,
        DatabaseUrl = databaseUrl,
        BrokerHost = "localhost",
        BrokerPort = Lab.Port,
        Identity = identity,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        LogLevel = LogLevel.Warning,
        RegistryPoll = TimeSpan.FromMilliseconds(200),
        MaintenanceInterval = TimeSpan.FromHours(1),
    };

    /// <summary>Enrols devices in the PKI inventory and registers them with the broker's dynamic-security plugin (no rights before).</summary>
    public IReadOnlyList<EnrolledDevice> Enroll(string prefix, int count, string? owner = "acme")
    {
        IReadOnlyList<EnrolledDevice> enrolled = DeviceEnrollment.Enroll(Lab.Pki, Enumerable.Range(1, count).Select(i => prefix + "-" + i.ToString("D3")).ToList(), _ => owner, DateTimeOffset.UtcNow);
        Lab.RegisterAsync(enrolled.Select(d => d.Id).ToList()).GetAwaiter().GetResult();
        return enrolled;
    }

    /// <summary>Starts the service in-process and waits until its MQTT session and its command connection are up.</summary>
    public async Task<RunningService> StartAsync(ServiceOptions options, ServiceExtensions? extensions = null)
    {
        RunningService running = await FleetServiceHost.StartAsync(options, extensions);
        await WaitUntil(() => Task.FromResult(running.Service.Mqtt.Connected && running.Service.Commands.Connected), TimeSpan.FromSeconds(20), "the service did not connect to the broker");
        return running;
    }

    public async Task<DevicePublisher[]> ConnectAsync(IEnumerable<EnrolledDevice> devices) =>
        await Task.WhenAll(devices.Select(d => DevicePublisher.ConnectAsync(d, "localhost", Lab.Port, Lab.Root, CancellationToken.None)));

    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException(what + " within " + timeout.TotalSeconds + " s");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(RunningService service, string path)
    {
        using var client = new HttpClient();
        using HttpResponseMessage response = await client.GetAsync(new Uri(service.Address, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose()
    {
        Lab.Dispose();
        _folder.Dispose();
    }
}
