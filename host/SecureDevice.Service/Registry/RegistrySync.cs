using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Registry;

/// <summary>
/// Keeps the registry in step with the PKI inventory (<c>inventory.json</c>, <see cref="Inventory"/>): loads it at
/// start (a missing or corrupt inventory stops the start), then checks the file's identity (inode, size, time) every
/// poll and reloads when it changed. A reload that fails keeps the previous registry and is counted and logged; the
/// inventory is replaced atomically by the PKI tools, so a half-written file is never read.
/// </summary>
public sealed class RegistrySync
{
    private readonly PkiLayout _pki;
    private readonly IIngestStore _store;
    private readonly DeviceRegistry _registry;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private (long Size, DateTime Written) _loaded;

    public RegistrySync(PkiLayout pki, IIngestStore store, DeviceRegistry registry, ServiceMetrics metrics, ILogger log, TimeProvider time)
    {
        _pki = pki;
        _store = store;
        _registry = registry;
        _metrics = metrics;
        _log = log;
        _time = time;
    }

    /// <summary>Reads the inventory and synchronises the devices table and the registry.</summary>
    /// <exception cref="FleetException">The inventory is missing, unsafe or corrupt.</exception>
    public async Task<RegistrySyncResult> LoadAsync(CancellationToken cancellationToken)
    {
        (long, DateTime) identity = Identity();
        Inventory inventory = Inventory.Load(_pki.Inventory);
        var entries = inventory.Devices.Select(d => new RegistryEntry(d.Id, d.Owner, d.Serial.ToUpperInvariant(), d.Sha256.ToLowerInvariant(), d.NotAfter.ToUnixTimeMilliseconds(),
            d.Provisioned.ToUnixTimeMilliseconds(), d.Status == DeviceStatus.Revoked ? "revoked" : "active", d.Revoked?.ToUnixTimeMilliseconds(), d.Product ?? DeviceRecord.UnknownProduct)).ToList();
        RegistrySyncResult result = await _store.SyncRegistryAsync(entries, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        _registry.Replace(await _store.ListDevicesAsync(cancellationToken).ConfigureAwait(false));
        _loaded = identity;
        _metrics.SetRegistry(_registry.CountByStatus());
        return result;
    }

    /// <summary>Reloads when the inventory file changed since the last load; false when nothing changed or the reload failed.</summary>
    public async Task<bool> ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        if (Identity() == _loaded)
        {
            return false;
        }

        try
        {
            RegistrySyncResult result = await LoadAsync(cancellationToken).ConfigureAwait(false);
            _metrics.RegistryReloads.WithLabels("ok").Inc();
            _log.LogInformation("registry reloaded from {Inventory}: {Total} devices, {Added} added, {Changed} changed, {Removed} removed",
                Printable.Escape(_pki.Inventory), result.Total, result.Added, result.Changed, result.Removed);
            return true;
        }
        catch (Exception error) when (error is FleetException or IOException or System.Data.Common.DbException or InvalidOperationException)
        {
            _metrics.RegistryReloads.WithLabels("failed").Inc();
            _log.LogWarning("registry reload failed, keeping the previous registry: {Error}", Printable.Escape(error.Message));
            return false;
        }
    }

    /// <summary>Polls the inventory every <paramref name="interval"/> until cancelled.</summary>
    public async Task WatchAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                await ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private (long, DateTime) Identity()
    {
        var info = new FileInfo(_pki.Inventory);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : (-1, DateTime.MinValue);
    }
}
