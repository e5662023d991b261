using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Integration;

/// <summary>
/// Wires workstreams B (detection) and C (response, alerts) into the service: <see cref="Extensions"/> holds the
/// detection observer, the response ladder and this attachment, which binds the mechanisms to the running service
/// (throttle commands over its command connection, <see cref="Commands.CommandConnection"/>, quarantine with the PKI's broker-admin identity, the registry for
/// owners) and runs the alert delivery loop. Alert deliveries, the ladder's steps and detection's state are kept in the
/// service's database (<see cref="ServiceStateSchema"/>), so they survive a restart and are shared by the instances.
/// </summary>
public sealed class FleetIntegration : IServiceAttachment, IAlertSink, IDisposable
{
    private readonly IntegrationOptions _options;
    private readonly TimeProvider _time;
    private readonly WebhookSender _webhook;
    private readonly ICustomerContacts _contacts;
    private DynamicSecurityAdmin? _admin;
    private FileActionAudit? _audit;
    private DatabaseAlertStore? _outbox;
    private AlertDispatcher? _alerts;

    public FleetIntegration(IntegrationOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _webhook = new WebhookSender(options.AllowLoopbackWebhooks);
        _contacts = options.ContactsFile != null ? new FileCustomerContacts(options.ContactsFile) : new MemoryCustomerContacts();
        Detection = new DetectionWorker(options, _time);
        Ladder = new LadderResponse(options.Ladder, _time);
        Extensions = new ServiceExtensions { Observers = new[] { Detection }, Response = Ladder, Attachments = new IServiceAttachment[] { this, Detection }, Time = _time };
    }

    /// <summary>The alert dispatcher over the database's outbox: set when attached to a service.</summary>
    /// <exception cref="InvalidOperationException">Not attached yet.</exception>
    public AlertDispatcher Alerts => _alerts ?? throw new InvalidOperationException("the integration is not attached to a service yet");

    public DetectionWorker Detection { get; }

    /// <summary>
    /// Alerts from outside detection and the ladder (the console's halted rollouts and failure bursts) go through the same
    /// dispatcher: the same contacts, outbox, de-duplication, rate limits and retries. Before attach: not queued.
    /// </summary>
    public NotifyStatus Notify(AlertEvent alert) => _alerts?.Notify(alert) ?? NotifyStatus.StoreUnavailable;

    public LadderResponse Ladder { get; }

    /// <summary>What to pass to <see cref="FleetServiceHost.StartAsync"/>.</summary>
    public ServiceExtensions Extensions { get; }

    public void Attach(FleetService service) =>
        BindActions(new PkiLayout(service.Options.PkiFolder), service.Options.DataFolder, service.Options.BrokerHost, service.Options.BrokerPort, service.Instance,
            service.Dialect, service.Registry, service.Commands, new OperatorOnlyRevoker());

    /// <summary>
    /// The one composition of the response mechanisms (the service's, and an operator's <see cref="OperatorResponse"/>):
    /// the ladder over <see cref="ResponseActions"/> with the registry as its directory, the hash-chained file audit
    /// <c>actions-INSTANCE.jsonl</c> in the data folder, quarantine with the PKI's broker-admin identity, and the alert
    /// dispatcher over the database's outbox. Only who publishes commands and who may revoke differ by caller.
    /// </summary>
    internal void BindActions(PkiLayout pki, string dataFolder, string brokerHost, int brokerPort, string instance, SqlDialect dialect, DeviceRegistry registry,
        IDeviceCommandPublisher commands, IRevoker revoker)
    {
        // Quarantine needs the broker-admin identity; without it every quarantine fails (audited), nothing else changes.
        IBrokerAccessControl broker = File.Exists(pki.AdminCertificate) && File.Exists(pki.AdminKey)
            ? _admin = DynamicSecurityAdmin.For(pki, brokerHost, brokerPort)
            : new NoBrokerAdmin();
        _audit = new FileActionAudit(Path.Combine(dataFolder, "actions-" + instance + ".jsonl"));
        _outbox = new DatabaseAlertStore(dialect, instance, _time);
        _alerts = new AlertDispatcher(_contacts, _outbox, _webhook, _options.Smtp != null ? new SmtpSender(_options.Smtp) : null, _time, options: _options.Alerts);
        Detection.Alerts = _alerts;
        // The mechanisms alert nobody themselves: the owner's alert is queued in the transaction that records the action
        // done (the dispatcher's completion or the reconciler's), so it is queued if and only if the actions table says done.
        Ladder.Bind(new ResponseActions(new RegistryDirectory(registry), _audit, commands, broker, revoker, _time), new ServiceStateStore(dialect), instance, _alerts);
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(Alerts.RunAsync(cancellationToken), PruneOutboxAsync(cancellationToken));

    /// <summary>Hourly: sent deliveries older than <see cref="IntegrationOptions.KeepSentAlerts"/> and old dead letters leave the outbox.</summary>
    private async Task PruneOutboxAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            try
            {
                _outbox?.Prune(now - (long)_options.KeepSentAlerts.TotalMilliseconds, now - (long)_options.KeepDeadAlerts.TotalMilliseconds);
            }
            catch (SecureDevice.Fleet.FleetException)
            {
                // The database is away: the next hour tries again (the rows only wait longer).
            }

            try
            {
                await Task.Delay(TimeSpan.FromHours(1), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _admin?.Dispose();
        _audit?.Dispose();
        _webhook.Dispose();
    }

    /// <summary>The service's registry as the response layer's device directory.</summary>
    private sealed class RegistryDirectory(DeviceRegistry registry) : IDeviceDirectory
    {
        public DeviceInfo? Find(string deviceId) => registry.TryGet(deviceId, out DeviceRecord device)
            ? new DeviceInfo(device.DeviceId, device.CustomerId, device.Status == "revoked" ? SecureDevice.Fleet.Pki.DeviceStatus.Revoked : SecureDevice.Fleet.Pki.DeviceStatus.Active)
            : null;
    }

    /// <summary>Revocation is the operator's (<c>securedevice respond revoke</c>): the service never holds the CA key's power.</summary>
    private sealed class OperatorOnlyRevoker : IRevoker
    {
        public RevocationResult Revoke(string deviceId, DateTimeOffset now) =>
            throw new SecureDevice.Fleet.FleetException(SecureDevice.Fleet.FleetError.InvalidArgument, "revocation is an operator's action: securedevice respond revoke");
    }

    /// <summary>No broker-admin identity in the PKI folder: every broker change fails closed (and is audited as failed).</summary>
    private sealed class NoBrokerAdmin : IBrokerAccessControl
    {
        private static readonly BrokerAccessResult Missing = new(BrokerAccessStatus.NotAuthorized, "no broker-admin identity in the PKI folder (pki init issues it)");

        public Task<BrokerAccessResult> RegisterAsync(System.Collections.Generic.IReadOnlyCollection<string> deviceIds, CancellationToken cancellation = default) => Task.FromResult(Missing);

        public Task<BrokerAccessResult> QuarantineAsync(string deviceId, CancellationToken cancellation = default) => Task.FromResult(Missing);

        public Task<BrokerAccessResult> ReleaseAsync(string deviceId, CancellationToken cancellation = default) => Task.FromResult(Missing);

        public Task<BrokerAccessResult> RemoveAsync(string deviceId, CancellationToken cancellation = default) => Task.FromResult(Missing);

        public Task<(BrokerAccessResult Result, DeviceAccess Access)> GetAsync(string deviceId, CancellationToken cancellation = default) => Task.FromResult((Missing, DeviceAccess.Unregistered));

        public Task<BrokerSyncResult> SyncAsync(Inventory inventory, CancellationToken cancellation = default) =>
            Task.FromResult(new BrokerSyncResult(Missing.Status, Missing.Detail, Array.Empty<string>(), Array.Empty<string>()));
    }
}
