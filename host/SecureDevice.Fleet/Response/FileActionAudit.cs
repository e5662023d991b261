using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Response;

/// <summary>
/// The audit as a JSON-lines file (mode 0600), one record per line, each flushed to disk before the append returns.
/// Every line carries <c>"prev"</c>, the SHA-256 of the previous line's bytes (64 zeros for the first), so an edited,
/// removed or reordered line breaks the chain: opening the file checks it and refuses a broken one
/// (<see cref="FleetError.CorruptState"/>). A last line torn by a crash (no newline: its append never returned) is cut off.
/// One writer: the file stays open for appending while this object lives.
/// </summary>
public sealed class FileActionAudit : IActionAudit, IDisposable
{
    /// <summary>Largest audit file opened: 256 MiB (about a million records); rotate it (rename, start a new one) before.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    private static readonly string Zero = new('0', 64);
    private readonly object _gate = new();
    private readonly string _path;
    private readonly FileStream _stream;
    private readonly List<ActionRecord> _records = new();
    private string _previous = Zero;

    /// <exception cref="FleetException">Not a regular file, too large, unreadable, or its chain or a record is broken.</exception>
    public FileActionAudit(string path)
    {
        _path = Path.GetFullPath(path);
        FileKind kind = SafeFileReader.KindOf(_path);
        if (kind != FileKind.Missing && kind != FileKind.Regular)
        {
            throw new FleetException(FleetError.UnsafeFile, "audit " + _path + " is not a regular file");
        }

        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = AtomicFile.PrivateMode;
            }

            _stream = new FileStream(_path, options);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot open audit " + _path + ": " + error.Message, error);
        }

        try
        {
            Load();
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    public bool TryAppend(ActionRecord record, out ActionRecord stored)
    {
        lock (_gate)
        {
            ActionRecord numbered = record with { Sequence = _records.Count + 1 };
            byte[] line = Encoding.UTF8.GetBytes(ToJson(numbered, _previous).ToJsonString());
            long end = _stream.Length;
            try
            {
                _stream.Seek(end, SeekOrigin.Begin);
                _stream.Write(line);
                _stream.WriteByte((byte)'\n');
                _stream.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // Leave no half line behind (a full disk): the next append starts clean.
                TryTruncate(end);
                stored = record;
                return false;
            }

            _previous = Convert.ToHexStringLower(SHA256.HashData(line));
            _records.Add(numbered);
            stored = numbered;
            return true;
        }
    }

    public IReadOnlyList<ActionRecord> Read(string? deviceId = null)
    {
        lock (_gate)
        {
            return _records.FindAll(r => deviceId == null || string.Equals(r.DeviceId, deviceId, StringComparison.Ordinal));
        }
    }

    public void Dispose() => _stream.Dispose();

    private static JsonObject ToJson(ActionRecord record, string previous) => new()
    {
        ["seq"] = record.Sequence,
        ["prev"] = previous,
        ["actionId"] = record.ActionId,
        ["time"] = record.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        ["device"] = record.DeviceId,
        ["kind"] = Name(record.Kind),
        ["actor"] = record.Actor,
        ["origin"] = record.Origin,
        ["reason"] = record.Reason,
        ["outcome"] = Name(record.Outcome),
        ["status"] = Name(record.Status),
        ["detail"] = record.Detail,
    };

    /// <summary>The JSON name of an enum value: its name with a lower-case first letter (throttle, done, brokerUnreachable).</summary>
    internal static string Name<T>(T value) where T : struct, Enum
    {
        string text = value.ToString();
        return char.ToLowerInvariant(text[0]) + text[1..];
    }

    /// <summary>The value whose <see cref="Name"/> is exactly the member's text (no numbers, no other spelling).</summary>
    internal static T Parse<T>(JsonNode? node, string member, int line) where T : struct, Enum
    {
        string? text = node?[member]?.GetValue<string>();
        foreach (T value in Enum.GetValues<T>())
        {
            if (Name(value) == text)
            {
                return value;
            }
        }

        throw new FormatException("line " + line + ": bad " + member);
    }

    private void Load()
    {
        if (_stream.Length > MaxFileBytes)
        {
            throw new FleetException(FleetError.UnsafeFile, "audit " + _path + " is larger than " + MaxFileBytes + " bytes; rotate it");
        }

        byte[] bytes = new byte[_stream.Length];
        _stream.ReadExactly(bytes);
        int start = 0;
        int number = 0;
        while (start < bytes.Length)
        {
            int newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0)
            {
                // A torn last line: its append never returned, so nobody was told it was recorded.
                TryTruncate(start);
                break;
            }

            number++;
            byte[] line = bytes[start..newline];
            ActionRecord record;
            try
            {
                JsonNode node = JsonNode.Parse(line) ?? throw new FormatException("line " + number + ": null");
                if (node["prev"]?.GetValue<string>() != _previous)
                {
                    throw new FormatException("line " + number + ": the hash chain is broken (a line was changed, removed or reordered)");
                }

                record = new ActionRecord
                {
                    Sequence = node["seq"]?.GetValue<long>() ?? throw new FormatException("line " + number + ": no seq"),
                    ActionId = node["actionId"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no actionId"),
                    Time = DateTimeOffset.Parse(node["time"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                    DeviceId = node["device"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no device"),
                    Kind = Parse<ActionKind>(node, "kind", number),
                    Actor = node["actor"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no actor"),
                    Origin = node["origin"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no origin"),
                    Reason = node["reason"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no reason"),
                    Outcome = Parse<ActionOutcome>(node, "outcome", number),
                    Status = Parse<ActionStatus>(node, "status", number),
                    Detail = node["detail"]?.GetValue<string>() ?? throw new FormatException("line " + number + ": no detail"),
                };
                if (record.Sequence != number)
                {
                    throw new FormatException("line " + number + ": seq " + record.Sequence);
                }
            }
            catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException)
            {
                throw new FleetException(FleetError.CorruptState, "audit " + _path + ": " + error.Message);
            }

            _records.Add(record);
            _previous = Convert.ToHexStringLower(SHA256.HashData(line));
            start = newline + 1;
        }
    }

    private void TryTruncate(long length)
    {
        try
        {
            _stream.SetLength(length);
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Still torn: the next open cuts it off.
        }
    }
}
