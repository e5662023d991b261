using System;
using System.Data.Common;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Integration;

/// <summary>Where an operator's action runs: the fleet service's database, its PKI and its broker (docs/response.md).</summary>
public sealed record OperatorResponseOptions
{
    public required string PkiFolder { get; init; }

    /// <summary>The service's data folder: its SQLite database (unless <see cref="DatabaseUrl"/>) and the file audit.</summary>
    public required string DataFolder { get; init; }

    /// <summary>The service's PostgreSQL database, as <c>securedevice service --database</c> takes it; null: SQLite in the data folder.</summary>
    public string? DatabaseUrl { get; init; }

    public required string BrokerHost { get; init; }

    public required int BrokerPort { get; init; }

    /// <summary>The service's contacts and SMTP relay, so that owners are alerted over the same channels; without contacts nobody is alerted.</summary>
    public IntegrationOptions Integration { get; init; } = new();

    /// <summary>Reloads the broker after a revocation (its CRL); null: revocation fails (<see cref="ActionStatus.PkiFailed"/>).</summary>
    public IBrokerReload? Reload { get; init; }
}

/// <summary>
/// What <see cref="OperatorResponse.ExecuteAsync"/> did: done, refused before anything was recorded or done (bad
/// input: the text, the automatic actor, an unknown or revoked device), or failed (recorded as failed).
/// </summary>
public sealed record OperatorOutcome(bool Done, bool Refused, string Detail);

/// <summary>
/// An operator's action on a device through the fleet service's own path, from a process that is not the service
/// (<c>securedevice respond ... --data DIR</c>): the same <see cref="ResponseDispatcher"/> over the same
/// <see cref="LadderResponse"/> and <see cref="ResponseActions"/> composition (<see cref="FleetIntegration"/>), so the
/// database ends up exactly as after the console's action: the device's service state, its presence (offline with the
/// reason after a quarantine or revocation), the row in the actions table, the ladder's rows (a lift deletes them) and
/// the owner's alert queued in the outbox, which the running service delivers. Two differences, by necessity: commands
/// go over the PKI's <c>operator</c> identity (one connection per identity: the service's own is in use), and
/// revocation is allowed (the service refuses it; the operator holds the CA). Nothing is migrated: the database must be
/// at this version's schema, so a running service of another version is never changed under its feet.
/// </summary>
public sealed class OperatorResponse : IAsyncDisposable
{
    /// <summary>The instance name of the command line: its file audit is <c>actions-cli.jsonl</c> in the data folder.</summary>
    public const string Instance = "cli";

    private readonly OperatorResponseOptions _options;
    private readonly TimeProvider _time;
    private readonly SqlDialect _dialect;
    private readonly FleetStore _store;
    private readonly DeviceRegistry _registry;
    private readonly RegistrySync _sync;
    private FleetIntegration? _integration;
    private MqttCommandPublisher? _commands;
    private ResponseDispatcher? _dispatcher;

    private OperatorResponse(OperatorResponseOptions options, TimeProvider time, SqlDialect dialect, FleetStore store, DeviceRegistry registry, RegistrySync sync)
    {
        _options = options;
        _time = time;
        _dialect = dialect;
        _store = store;
        _registry = registry;
        _sync = sync;
    }

    /// <summary>
    /// Opens the service's database (refusing a missing one, one that is not a service database, and one of another
    /// schema version), loads the registry from the PKI inventory as the service does, and binds the mechanisms.
    /// </summary>
    /// <exception cref="FleetException">The data folder, the database, the inventory or an identity is missing or unusable (one line).</exception>
    public static async Task<OperatorResponse> OpenAsync(OperatorResponseOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.DataFolder))
        {
            throw new FleetException(FleetError.NotFound, "the data folder " + options.DataFolder + " does not exist (the service's --data)");
        }

        if (options.DatabaseUrl == null && !File.Exists(Path.Combine(options.DataFolder, SqliteDialect.FileName)))
        {
            // Opening would create an empty database: say what is wrong instead.
            throw new FleetException(FleetError.NotFound, "no service database in " + options.DataFolder + " (" + SqliteDialect.FileName + "): start securedevice service with this --data first, or give its --database");
        }

        var pki = new PkiLayout(options.PkiFolder);
        pki.RequireExisting();
        SqlDialect dialect = FleetService.DialectFor(options.DataFolder, options.DatabaseUrl, Instance);
        var store = new FleetStore(dialect);
        try
        {
            int version;
            try
            {
                version = await store.SchemaVersionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is DbException or SocketException or TimeoutException or InvalidOperationException or ArgumentException)
            {
                throw new FleetException(FleetError.Network, "cannot open the database " + store.Description + ": " + Printable.Escape(FleetService.FirstLine(error.Message)));
            }

            if (version != Migrations.Latest)
            {
                throw new FleetException(FleetError.CorruptState, version == 0
                    ? "not a service database: " + store.Description
                    : version > Migrations.Latest
                        ? "the database's schema is version " + version + ", newer than this tool knows (" + Migrations.Latest + "): use the tool of the running service's version"
                        : "the database's schema is version " + version + ", older than this tool's (" + Migrations.Latest + "): start the service of this version once to migrate it");
            }

            var registry = new DeviceRegistry();
            var sync = new RegistrySync(pki, store, registry, new ServiceMetrics(), NullLogger.Instance, time);
            await sync.LoadAsync(cancellationToken).ConfigureAwait(false);
            return new OperatorResponse(options, time, dialect, store, registry, sync);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Refuses bad input before anything is recorded (as the console does with a 400 or 404), then executes the action
    /// through the service's dispatcher, as <c>cli:NAME@HOST</c> (the console's actors are <c>console:NAME@ADDRESS</c>)
    /// from origin <c>cli@HOST</c>. After a revocation, the registry and the devices table take the inventory's word at
    /// once (the running service's registry follows at its next poll).
    /// </summary>
    /// <param name="operatorName">Who acts: never the automatic actor <see cref="ResponseActions.ServiceActor"/>.</param>
    /// <param name="throttle">A throttle's rate and duration (null: the default).</param>
    public async Task<OperatorOutcome> ExecuteAsync(string deviceId, DeviceActionKind kind, string operatorName, string reason, ThrottleSpec? throttle, CancellationToken cancellationToken)
    {
        string host = Environment.MachineName;
        var request = new DeviceActionRequest(deviceId, kind, Instance + ":" + operatorName + "@" + host, reason, Instance + "@" + host, throttle);
        if (ResponseActions.RequestProblem(deviceId, operatorName, reason, request.Origin) is string problem)
        {
            return new OperatorOutcome(false, true, problem);
        }

        if (ResponseActions.RequestProblem(deviceId, request.Actor, reason, request.Origin) != null)
        {
            return new OperatorOutcome(false, true, "the actor " + Instance + ":NAME@" + host + " must be at most 64 characters");
        }

        if (ResponseActions.IsServiceActor(operatorName))
        {
            return new OperatorOutcome(false, true, "'" + ResponseActions.ServiceActor + "' is the service's automatic actor: give the operator's name");
        }

        if (!_registry.TryGet(deviceId, out DeviceRecord device) || device.Status == "removed")
        {
            return new OperatorOutcome(false, true, "UnknownDevice: the inventory has no device " + deviceId);
        }

        if (device.Status == "revoked" && kind != DeviceActionKind.Revoke)
        {
            return new OperatorOutcome(false, true, "DeviceRevoked: the device's certificate is revoked");
        }

        Extensions.ActionOutcome outcome;
        try
        {
            outcome = await Dispatcher().ExecuteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ActionNotStartedException error)
        {
            // The intent was not recorded: the mechanism never ran.
            return new OperatorOutcome(false, false, "the service's database did not take the action's record, nothing was done ("
                + Printable.Escape(FleetService.FirstLine(error.InnerException?.Message ?? error.Message)) + ")");
        }
        catch (Exception error) when (error is DbException or SocketException or TimeoutException)
        {
            // The mechanism ran (or not) and its file audit says which; the database did not take the outcome: the row
            // stays pending until the running service's reconciler completes it from the broker's state.
            return new OperatorOutcome(false, false, "the service's database failed to record the outcome (" + Printable.Escape(FleetService.FirstLine(error.Message))
                + "); the action stays pending until the service reconciles it; actions-" + Instance + ".jsonl in the data folder says what was done");
        }

        if (outcome.Done && kind == DeviceActionKind.Revoke)
        {
            await _sync.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
        }

        return new OperatorOutcome(outcome.Done, false, outcome.Detail);
    }

    public async ValueTask DisposeAsync()
    {
        _integration?.Dispose();
        _commands?.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The service's dispatcher over the mechanisms, bound only once a request passed the checks (a refused one opens no file and no connection).</summary>
    private ResponseDispatcher Dispatcher()
    {
        if (_dispatcher != null)
        {
            return _dispatcher;
        }

        var pki = new PkiLayout(_options.PkiFolder);
        _integration = new FleetIntegration(_options.Integration, _time);
        _commands = new MqttCommandPublisher(BrokerEndpoint.For(pki, _options.BrokerHost, _options.BrokerPort), BrokerIdentity.Operator(pki));
        _integration.BindActions(pki, _options.DataFolder, _options.BrokerHost, _options.BrokerPort, Instance, _dialect, _registry, _commands,
            new PkiRevoker(pki, _options.Reload ?? new NoReload()));
        return _dispatcher = new ResponseDispatcher(_integration.Ladder, _store, new ServiceMetrics(), NullLogger.Instance, _time);
    }

    /// <summary>No broker process to reload: a revocation fails after the CRL is written (the broker must be reloaded by hand).</summary>
    private sealed class NoReload : IBrokerReload
    {
        public void Reload() => throw new FleetException(FleetError.InvalidArgument, "no broker process to reload (--broker-pid)");
    }
}
