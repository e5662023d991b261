using System;
using System.Collections.Generic;
using System.Linq;
using System.Data.Common;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Commands;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Maintenance;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Hosting;

/// <summary>What /health/ready reports: ready when the broker session and the command connection are up, the database answers, the registry is loaded and writes succeed.</summary>
public sealed record Readiness(bool Broker, bool Database, bool Registry, bool Ingest)
{
    public bool Ready => Broker && Database && Registry && Ingest;
}

/// <summary>
/// The service's parts, built in the order that lets each fail clearly (checks, database and migrations, registry),
/// then run: the registry watch, the ingest writer, the MQTT session, the command connection, maintenance and the response worker.
/// </summary>
public sealed class FleetService : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopIngest = new();
    private readonly CancellationTokenSource _stopOthers = new();
    private readonly CancellationTokenSource _stopCommands = new();
    private Task _mqttTask = Task.CompletedTask;
    private Task _pipelineTask = Task.CompletedTask;
    private Task _othersTask = Task.CompletedTask;
    private Task _commandsTask = Task.CompletedTask;

    private FleetService(ServiceOptions options, IFleetStore store, ServiceMetrics metrics, DeviceRegistry registry, RegistrySync registrySync,
        IngestPipeline pipeline, MqttIngestClient mqtt, CommandConnection commands, MaintenanceService maintenance, ResponseDispatcher actions, ILogger log)
    {
        Options = options;
        Store = store;
        Metrics = metrics;
        Registry = registry;
        RegistrySync = registrySync;
        Pipeline = pipeline;
        Mqtt = mqtt;
        Commands = commands;
        Maintenance = maintenance;
        Actions = actions;
        Log = log;
    }

    public ServiceOptions Options { get; }

    public IFleetStore Store { get; }

    /// <summary>
    /// The database behind <see cref="Store"/> (its connection pool), for the extensions' own tables: the durable
    /// alert, ladder and detection state (<see cref="ServiceStateSchema"/>). Disposed with the store.
    /// </summary>
    public SqlDialect Dialect { get; private init; } = null!;

    /// <summary>With SQLite, the loop that checkpoints its write-ahead log off the ingest writer's path; null with PostgreSQL.</summary>
    public SqliteCheckpointer? Checkpointer { get; private init; }

    public ServiceMetrics Metrics { get; }

    public DeviceRegistry Registry { get; }

    public RegistrySync RegistrySync { get; }

    public IngestPipeline Pipeline { get; }

    public MqttIngestClient Mqtt { get; }

    /// <summary>Where every device command is published: the command identity's own connection (docs/service.md, "Command connection").</summary>
    public CommandConnection Commands { get; }

    public MaintenanceService Maintenance { get; }

    /// <summary>Executes and audits device actions (the console's actions go through it too).</summary>
    public IDeviceActions Actions { get; }

    /// <summary>The dispatcher behind <see cref="Actions"/>: also queues signals for the response policy.</summary>
    public ResponseDispatcher Dispatcher => (ResponseDispatcher)Actions;

    /// <summary>Where owner alerts go (webhook, e-mail): the attachment that delivers them (<see cref="Integration.FleetIntegration"/>), or null without one.</summary>
    public SecureDevice.Fleet.Response.Alerts.IAlertSink? OwnerAlerts => Attachments.OfType<SecureDevice.Fleet.Response.Alerts.IAlertSink>().FirstOrDefault();

    private IReadOnlyList<Integration.IServiceAttachment> Attachments { get; init; } = Array.Empty<Integration.IServiceAttachment>();

    private TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often, while the broker session is up, this instance persists that it is consuming (<see cref="IngestUpState"/>).</summary>
    public static readonly TimeSpan IngestUpInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The service-state row where an instance persists when it was last connected and consuming
    /// (<see cref="MqttIngestClient.LastUpMs"/>): every <see cref="IngestUpInterval"/> while connected and at a clean stop,
    /// so after a restart, kill -9 included, the outage the broker queued for is known to within 5 s (docs/service.md, "Fair ingest").
    /// </summary>
    public static string IngestUpState(string instance) => IngestUpPrefix + instance;

    /// <summary>The name of every instance's <see cref="IngestUpState"/> row up to the instance.</summary>
    public const string IngestUpPrefix = "ingest.last_up_ms:";

    /// <summary>
    /// An instance whose <see cref="IngestUpState"/> is at most this old is live: it shares the stream, and the fair limits
    /// with it (<see cref="IngestDealing.RoundRobin"/>). Three heartbeats: one missed write does not change the share.
    /// </summary>
    public static readonly TimeSpan LiveInstanceTtl = 3 * IngestUpInterval;

    /// <summary>This instance's name: the MQTT client id, the service certificate's CN.</summary>
    public string Instance => Mqtt.ClientId;

    /// <summary>The service's log (extensions attached to it log here).</summary>
    internal ILogger Log { get; }

    /// <summary>Checks, opens and migrates the database, loads the registry. Nothing runs yet.</summary>
    /// <exception cref="FleetException">Bad options or files, or a database that cannot be reached or is too new (one line).</exception>
    public static async Task<FleetService> CreateAsync(ServiceOptions options, ServiceExtensions extensions, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        (X509Certificate2 certificate, X509Certificate2 commandCertificate, X509Certificate2 anchor) = StartupChecks.Check(options);
        ILogger log = logs.CreateLogger("securedevice.service");
        SqlDialect dialect = DialectFor(options.DataFolder, options.DatabaseUrl, options.Identity);
        IFleetStore store = new FleetStore(dialect);
        try
        {
            int version = await store.MigrateAsync(extensions.Time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
            log.LogInformation("database {Database}: schema version {Version}", store.Description, version);
        }
        catch (Exception error) when (error is DbException or SocketException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw new FleetException(FleetError.Network, "cannot open the database " + store.Description + ": " + FirstLine(error.Message));
        }

        store = extensions.WrapStore?.Invoke(store) ?? store;
        var metrics = new ServiceMetrics();
        var registry = new DeviceRegistry();
        var registrySync = new RegistrySync(new PkiLayout(options.PkiFolder), store, registry, metrics, log, extensions.Time);
        try
        {
            RegistrySyncResult loaded = await registrySync.LoadAsync(cancellationToken).ConfigureAwait(false);
            log.LogInformation("registry: {Total} devices from the inventory ({Added} added, {Changed} changed, {Removed} removed)", loaded.Total, loaded.Added, loaded.Changed, loaded.Removed);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var actions = new ResponseDispatcher(extensions.Response, store, metrics, log, extensions.Time);
        MqttIngestClient? mqtt = null;
        var pipeline = new IngestPipeline(store, store.IsTransient, registry, metrics, extensions.Observers, actions, () => mqtt!.Generation, options.Ingest, log, extensions.Time) { FeedInstance = options.Identity };
        mqtt = new MqttIngestClient(new BrokerSession
        {
            Host = options.BrokerHost,
            Port = options.BrokerPort,
            Certificate = certificate,
            TrustAnchor = anchor,
            SessionExpirySeconds = options.SessionExpirySeconds,
            ReceiveMaximum = options.ReceiveMaximum,
            SocketBufferBytes = options.SocketBufferBytes,
            DeliveryWindow = options.DeliveryWindow,
            MaximumPacketSize = options.MaximumPacketSize,
            KeepAlive = options.KeepAlive,
        }, pipeline, metrics, log, extensions.Time);
        mqtt.ResumeFrom(await ResumePointAsync(store, mqtt.ClientId, options.Identity, log, cancellationToken).ConfigureAwait(false));
        var commands = new CommandConnection(new BrokerSession
        {
            Host = options.BrokerHost,
            Port = options.BrokerPort,
            Certificate = commandCertificate,
            TrustAnchor = anchor,
            KeepAlive = options.KeepAlive,
        }, metrics, log, extensions.Time);
        var maintenance = new MaintenanceService(store, options.Retention, metrics, options.Identity, log, extensions.Time);
        var service = new FleetService(options, store, metrics, registry, registrySync, pipeline, mqtt, commands, maintenance, actions, log)
        {
            Attachments = extensions.Attachments,
            Dialect = dialect,
            Checkpointer = dialect is SqliteDialect sqlite ? new SqliteCheckpointer(sqlite, metrics, log, extensions.Time) : null,
            Time = extensions.Time,
        };
        foreach (Integration.IServiceAttachment attachment in extensions.Attachments)
        {
            attachment.Attach(service);
        }

        // The share before the first batch: a backlog the broker queued while every instance was down is judged (and its
        // outage credit sized) at this instance's part of the limits, not the whole (docs/service.md, "Limits shared").
        await service.ShareLimitsAsync(cancellationToken).ConfigureAwait(false);
        return service;
    }

    /// <summary>
    /// The service's database: PostgreSQL at <paramref name="databaseUrl"/>, else SQLite in <paramref name="dataFolder"/>;
    /// <paramref name="identity"/> names the connections (PostgreSQL's application name).
    /// </summary>
    /// <exception cref="FleetException">A malformed database URL.</exception>
    public static SqlDialect DialectFor(string dataFolder, string? databaseUrl, string identity) => databaseUrl != null
        ? new PostgresDialect(DatabaseUrl.Parse(databaseUrl), "securedevice-" + identity)
        : new SqliteDialect(dataFolder);

    /// <summary>Starts every loop.</summary>
    public void Start()
    {
        _pipelineTask = Task.Run(() => Pipeline.RunAsync(_stopIngest.Token));
        _mqttTask = Task.Run(() => Mqtt.RunAsync(_stopIngest.Token));
        _commandsTask = Task.Run(() => Commands.RunAsync(_stopCommands.Token));
        _othersTask = Task.WhenAll(
            Task.Run(() => RegistrySync.WatchAsync(Options.RegistryPoll, _stopOthers.Token)),
            Task.Run(() => Maintenance.RunAsync(Options.MaintenanceInterval, _stopOthers.Token)),
            Task.Run(() => ((ResponseDispatcher)Actions).RunAsync(_stopOthers.Token)),
            Task.Run(() => ((ResponseDispatcher)Actions).RunReconcilerAsync(_stopOthers.Token)),
            Task.Run(() => Checkpointer?.RunAsync(_stopOthers.Token) ?? Task.CompletedTask),
            Task.Run(() => KeepIngestUpAsync(_stopOthers.Token)),
            Task.WhenAll(Attachments.Select(a => Task.Run(() => a.RunAsync(_stopOthers.Token)))));
    }

    /// <summary>Stops ingest first (what is not committed is not acknowledged: the broker keeps it), then the rest.</summary>
    public async Task StopAsync()
    {
        _stopIngest.Cancel();
        await StoppedAsync(_mqttTask, "the MQTT session", Log).ConfigureAwait(false);
        await StoppedAsync(_pipelineTask, "the ingest writer", Log).ConfigureAwait(false);
        await SaveIngestUpAsync(CancellationToken.None).ConfigureAwait(false);
        _stopOthers.Cancel();
        await StoppedAsync(_othersTask, "a background loop", Log).ConfigureAwait(false);
        // Last: the response worker and the console publish commands until they stop.
        _stopCommands.Cancel();
        await StoppedAsync(_commandsTask, "the command connection", Log).ConfigureAwait(false);
    }

    public async Task<Readiness> ReadinessAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        bool database;
        try
        {
            database = await Store.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            database = false;
        }

        return new Readiness(Mqtt.Connected && Commands.Connected, database, Registry.Version > 0, !Pipeline.DatabaseFailing && !Pipeline.Faulted);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Mqtt.DisposeAsync().ConfigureAwait(false);
        await Commands.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        _stopIngest.Dispose();
        _stopOthers.Dispose();
        _stopCommands.Dispose();
    }

    /// <summary>
    /// Waits for a loop to end; a loop that ended on a failure (ingest on a bug, already logged as critical there) is
    /// logged and does not stop the shutdown: the loops after it still stop, the broker session and the database still close.
    /// </summary>
    internal static async Task StoppedAsync(Task task, string what, ILogger log)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            log.LogError("{What} had ended on a failure: {Error}", what, Printable.Escape(error.GetType().Name + ": " + error.Message));
        }
    }


    /// <summary>Persists <see cref="MqttIngestClient.LastUpMs"/> every <see cref="IngestUpInterval"/> while the session is up.</summary>
    private async Task KeepIngestUpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Mqtt.Connected)
            {
                await SaveIngestUpAsync(cancellationToken).ConfigureAwait(false);
                await ShareLimitsAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(Mqtt.Connected ? IngestUpInterval : TimeSpan.FromMilliseconds(250), Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// With round-robin dealing, counts the live instances (their heartbeats: <see cref="IngestUpState"/> within
    /// <see cref="LiveInstanceTtl"/>, this one's included) and hands the number to ingest's limiter
    /// (<see cref="IngestPipeline.ShareLimits"/>). A database that cannot be read keeps the last number: the next heartbeat
    /// counts again (docs/service.md, "Several instances").
    /// </summary>
    private async Task ShareLimitsAsync(CancellationToken cancellationToken)
    {
        if (Options.Ingest.Dealing != IngestDealing.RoundRobin)
        {
            return;
        }

        try
        {
            long since = Time.GetUtcNow().ToUnixTimeMilliseconds() - (long)LiveInstanceTtl.TotalMilliseconds;
            int counted = await Store.CountStatesAsync(IngestUpPrefix, since, cancellationToken).ConfigureAwait(false);
            // This instance is live whether or not its own row is fresh yet (at start, before its session is up, it is not).
            bool selfCounted = await Store.GetStateAsync(IngestUpState(Instance), cancellationToken).ConfigureAwait(false) is long own && own >= since;
            int live = Math.Max(1, counted + (selfCounted ? 0 : 1));
            if (live != Pipeline.LimitsSharedBy)
            {
                Log.LogInformation("fair limits shared by {Instances} live instances (round-robin dealing)", live);
            }

            Pipeline.ShareLimits(live);
            Metrics.IngestInstances.Set(live);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.LogDebug("cannot count the live instances (the limits' share stays): {Error}", Printable.Escape(error.Message));
        }
    }

    private async Task SaveIngestUpAsync(CancellationToken cancellationToken)
    {
        if (Mqtt.LastUpMs is not long up)
        {
            return;
        }

        try
        {
            await Store.SetStateAsync(IngestUpState(Instance), up, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The next write (5 s) or the next start makes up for it: a stale time only makes an outage credit longer by as much.
            Log.LogDebug("cannot save when ingest was last up: {Error}", Printable.Escape(error.Message));
        }
    }

    /// <summary>
    /// When ingest of <paramref name="instance"/> was last up, for the outage credit after this start
    /// (<see cref="FairLimiter.ResumeFrom"/>; docs/service.md, "After an outage"): the time it saved
    /// (<see cref="IngestUpState"/>), else the database's fallback, the newest commit or, if earlier, the newest daily flush
    /// of <paramref name="dailyInstance"/> (the name its <c>service_daily</c> rows carry). Logged, with where it came from.
    /// A database that cannot be read gives nothing: no credit.
    /// </summary>
    internal static async Task<ResumePoint> ResumePointAsync(IFleetStore store, string instance, string dailyInstance, ILogger log, CancellationToken cancellationToken)
    {
        ResumePoint point;
        ResumeEvidence? evidence = null;
        try
        {
            long? saved = await store.GetStateAsync(IngestUpState(instance), cancellationToken).ConfigureAwait(false);
            evidence = saved == null ? await store.ReadResumeEvidenceAsync(dailyInstance, cancellationToken).ConfigureAwait(false) : null;
            point = FairLimiter.ResumeFrom(saved, evidence?.NewestCommitMs, evidence?.InstanceFlushMs);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            log.LogWarning("cannot read when ingest was last up (no outage credit after this start): {Error}", Printable.Escape(error.Message));
            return new ResumePoint(null, ResumeSource.None);
        }

        switch (point.Source)
        {
            case ResumeSource.SavedTime:
                log.LogInformation("ingest of {Instance} was last up at {Time} (saved time): an outage credit after this start runs from there",
                    Printable.Escape(instance), Utc(point.LastUpMs));
                break;
            case ResumeSource.DatabaseFallback:
                log.LogWarning("no saved last-up time for {Instance} (the first start of this version, or the row is gone): ingest was last up at {Time} "
                    + "at the latest (database fallback: newest commit {Commit}, this instance's newest daily flush {Flush}): an outage credit after this start runs from there",
                    Printable.Escape(instance), Utc(point.LastUpMs), Utc(evidence?.NewestCommitMs), Utc(evidence?.InstanceFlushMs));
                break;
            default:
                log.LogInformation("no saved last-up time for {Instance} and nothing stored: no outage credit after this start", Printable.Escape(instance));
                break;
        }

        return point;
    }

    private static string Utc(long? ms) => ms is long t && t >= -62_135_596_800_000 && t <= 253_402_300_799_999
        ? DateTimeOffset.FromUnixTimeMilliseconds(t).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)
        : ms?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";

    internal static string FirstLine(string text)
    {
        int end = text.IndexOfAny(new[] { '\r', '\n' });
        return end < 0 ? text : text[..end];
    }
}
