using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>
/// Durable alert state: deliveries (so that queued and retrying ones survive a restart, and dead letters are kept) and
/// the last state sent per de-duplication key (so a restart does not re-send every open finding).
/// <see cref="FileAlertStore"/> here, the service's database later, <see cref="MemoryAlertStore"/> for tests.
/// </summary>
public interface IAlertStore
{
    /// <summary>Records <paramref name="delivery"/> (insert or replace by <see cref="AlertDelivery.Id"/>).</summary>
    void Save(AlertDelivery delivery);

    /// <summary>Every delivery, oldest first.</summary>
    IReadOnlyList<AlertDelivery> Deliveries();

    /// <summary>The last state sent for <paramref name="key"/>, or null.</summary>
    string? LastState(string key);

    /// <summary>Remembers <paramref name="state"/> as the last one sent for <paramref name="key"/>.</summary>
    void SetLastState(string key, string state);

    /// <summary>
    /// True when other dispatchers (other service instances) share this store: the dispatcher then picks up pending
    /// deliveries it did not queue itself and claims each delivery (<see cref="TryClaim"/>) before an attempt.
    /// </summary>
    bool Shared => false;

    /// <summary>The deliveries still waiting (queued or retrying), oldest first.</summary>
    IReadOnlyList<AlertDelivery> PendingDeliveries() => Deliveries().Where(d => d.Pending).ToArray();

    /// <summary>
    /// Claims <paramref name="delivery"/> for one attempt until <paramref name="now"/> + <paramref name="lease"/>: false
    /// when another dispatcher holds an unexpired claim, or the stored delivery is no longer this pending copy (sent,
    /// dead, or attempted meanwhile by another). A store nobody shares always grants it.
    /// </summary>
    /// <exception cref="FleetException">The store cannot be reached (then nobody attempts it now).</exception>
    bool TryClaim(AlertDelivery delivery, DateTimeOffset now, TimeSpan lease) => true;
}

/// <summary>Alert state in memory: lost on restart (tests).</summary>
public sealed class MemoryAlertStore : IAlertStore
{
    private readonly Dictionary<string, AlertDelivery> _deliveries = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();
    private readonly Dictionary<string, string> _states = new(StringComparer.Ordinal);

    public void Save(AlertDelivery delivery)
    {
        lock (_deliveries)
        {
            if (!_deliveries.ContainsKey(delivery.Id))
            {
                _order.Add(delivery.Id);
            }

            _deliveries[delivery.Id] = delivery;
        }
    }

    public IReadOnlyList<AlertDelivery> Deliveries()
    {
        lock (_deliveries)
        {
            return _order.Select(id => _deliveries[id]).ToArray();
        }
    }

    public string? LastState(string key)
    {
        lock (_deliveries)
        {
            return _states.GetValueOrDefault(key);
        }
    }

    public void SetLastState(string key, string state)
    {
        lock (_deliveries)
        {
            _states[key] = state;
        }
    }

    /// <summary>Every last-state record.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> States()
    {
        lock (_deliveries)
        {
            return _states.ToArray();
        }
    }

    /// <summary>Forgets a delivery (compaction of old sent ones).</summary>
    internal void Remove(string id)
    {
        lock (_deliveries)
        {
            if (_deliveries.Remove(id))
            {
                _order.Remove(id);
            }
        }
    }
}

/// <summary>
/// Alert state as an append-only JSON-lines journal (mode 0600, each line flushed to disk): a line is a delivery or a
/// last-state record; loading replays it (the last line for an id wins). When the journal holds more than four times
/// the live records (and over 1,000 lines) it is compacted: rewritten atomically with one line per live record, sent
/// deliveries older than <see cref="KeepSent"/> dropped. A torn last line (a crash mid-append) is ignored.
/// </summary>
public sealed class FileAlertStore : IAlertStore, IDisposable
{
    /// <summary>Largest journal read: 64 MiB.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly MemoryAlertStore _live = new();
    private readonly object _gate = new();
    private FileStream _stream;
    private int _lines;

    /// <exception cref="FleetException">Unsafe or unreadable file, or a malformed line before the last.</exception>
    public FileAlertStore(string path, TimeProvider? time = null)
    {
        _path = Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
        if (SafeFileReader.KindOf(_path) == FileKind.Regular)
        {
            Load(SafeFileReader.Read(_path, MaxFileBytes, "alert journal"));
        }

        _stream = Open();
    }

    /// <summary>How long sent deliveries are kept through a compaction: 7 days (dead letters are kept).</summary>
    public TimeSpan KeepSent { get; init; } = TimeSpan.FromDays(7);

    public void Save(AlertDelivery delivery)
    {
        lock (_gate)
        {
            _live.Save(delivery);
            Append(DeliveryJson(delivery));
        }
    }

    public IReadOnlyList<AlertDelivery> Deliveries() => _live.Deliveries();

    public string? LastState(string key) => _live.LastState(key);

    public void SetLastState(string key, string state)
    {
        lock (_gate)
        {
            _live.SetLastState(key, state);
            Append(new JsonObject { ["type"] = "state", ["key"] = key, ["state"] = state });
        }
    }

    public void Dispose() => _stream.Dispose();

    private static JsonObject DeliveryJson(AlertDelivery d) => new()
    {
        ["type"] = "delivery",
        ["alertId"] = d.AlertId,
        ["customer"] = d.CustomerId,
        ["device"] = d.DeviceId,
        ["kind"] = d.Kind,
        ["channel"] = FileActionAudit.Name(d.Channel),
        ["state"] = FileActionAudit.Name(d.State),
        ["attempts"] = d.Attempts,
        ["lastError"] = d.LastError,
        ["createdAt"] = d.CreatedAt.ToUnixTimeMilliseconds(),
        ["nextAttemptAt"] = d.NextAttemptAt.ToUnixTimeMilliseconds(),
        ["doneAt"] = d.DoneAt?.ToUnixTimeMilliseconds(),
        ["body"] = d.Body,
        ["subject"] = d.Subject,
    };

    private static AlertDelivery ParseDelivery(JsonNode node, int line) => new()
    {
        AlertId = node["alertId"]!.GetValue<string>(),
        CustomerId = node["customer"]!.GetValue<string>(),
        DeviceId = node["device"]?.GetValue<string>(),
        Kind = node["kind"]!.GetValue<string>(),
        Channel = FileActionAudit.Parse<AlertChannel>(node, "channel", line),
        State = FileActionAudit.Parse<DeliveryState>(node, "state", line),
        Attempts = node["attempts"]!.GetValue<int>(),
        LastError = node["lastError"]?.GetValue<string>(),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(node["createdAt"]!.GetValue<long>()),
        NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(node["nextAttemptAt"]!.GetValue<long>()),
        DoneAt = node["doneAt"] is JsonNode done ? DateTimeOffset.FromUnixTimeMilliseconds(done.GetValue<long>()) : null,
        Body = node["body"]!.GetValue<string>(),
        Subject = node["subject"]?.GetValue<string>(),
    };

    private void Load(byte[] bytes)
    {
        string[] lines = Encoding.UTF8.GetString(bytes).Split('\n');
        bool torn = bytes.Length > 0 && bytes[^1] != (byte)'\n';
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || (torn && i == lines.Length - 1))
            {
                continue;
            }

            try
            {
                JsonNode node = JsonNode.Parse(lines[i]) ?? throw new FormatException("null");
                switch (node["type"]?.GetValue<string>())
                {
                    case "delivery":
                        _live.Save(ParseDelivery(node, i + 1));
                        break;
                    case "state":
                        _live.SetLastState(node["key"]!.GetValue<string>(), node["state"]!.GetValue<string>());
                        break;
                    default:
                        throw new FormatException("unknown type");
                }
            }
            catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException or NullReferenceException)
            {
                throw new FleetException(FleetError.CorruptState, "alert journal " + _path + ": line " + (i + 1).ToString(CultureInfo.InvariantCulture) + " is malformed");
            }

            _lines++;
        }

        // Start from a clean, compact journal (the torn line, if any, goes with the rewrite).
        Compact(_time.GetUtcNow());
    }

    private FileStream Open()
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = AtomicFile.PrivateMode;
        }

        try
        {
            return new FileStream(_path, options);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot open alert journal " + _path + ": " + error.Message, error);
        }
    }

    private void Append(JsonObject record)
    {
        byte[] line = Encoding.UTF8.GetBytes(record.ToJsonString() + "\n");
        try
        {
            _stream.Write(line);
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException error)
        {
            throw new FleetException(FleetError.Io, "cannot append to alert journal " + _path + ": " + error.Message, error);
        }

        _lines++;
        if (_lines > 1000 && _lines > 4 * (_live.Deliveries().Count + _live.States().Count + 1))
        {
            _stream.Dispose();
            Compact(_time.GetUtcNow());
            _stream = Open();
        }
    }

    private void Compact(DateTimeOffset now)
    {
        var builder = new StringBuilder();
        int lines = 0;
        foreach (AlertDelivery delivery in _live.Deliveries())
        {
            if (delivery.State == DeliveryState.Sent && delivery.DoneAt < now - KeepSent)
            {
                _live.Remove(delivery.Id);
                continue;
            }

            builder.Append(DeliveryJson(delivery).ToJsonString()).Append('\n');
            lines++;
        }

        foreach ((string key, string state) in _live.States())
        {
            builder.Append(new JsonObject { ["type"] = "state", ["key"] = key, ["state"] = state }.ToJsonString()).Append('\n');
            lines++;
        }

        AtomicFile.Replace(_path, Encoding.UTF8.GetBytes(builder.ToString()), AtomicFile.PrivateMode);
        _lines = lines;
    }
}
