using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SecureDevice.Service.Ingest;

/// <summary>A checked device event: its kind, its identity when it carries one, and the JSON text to store.</summary>
public sealed record DeviceEvent(string Kind, string? Key, long? Boot, long? Seq, string Json);

/// <summary>
/// Checks the JSON the firmware publishes on <c>up/update</c> (UpdateEventWriter) and <c>up/events</c>
/// (FaultEventWriter, the invalid-reading event; docs/telemetry.md): one flat object of at most
/// <see cref="MaxBytes"/> bytes of valid UTF-8, no duplicate names, no nesting. Anything else is refused with a reason,
/// never an exception.
/// </summary>
public static class DeviceEventParser
{
    /// <summary>Largest event accepted: above the firmware's largest (an update event, 384 bytes), below the broker's packet limit.</summary>
    public const int MaxBytes = 512;

    /// <summary>An update progress event: state, outcome, boot and seq required; identity "update:BOOT:SEQ".</summary>
    public static bool TryParseUpdate(byte[] payload, out DeviceEvent? parsed, out IngestReason reason, out string detail)
    {
        parsed = null;
        if (!TryRead(payload, out Dictionary<string, JsonElement>? fields, out reason, out detail))
        {
            return false;
        }

        if (!IsString(fields!, "state") || !IsString(fields!, "outcome") || !TryCount(fields!, "boot", out long boot) || !TryCount(fields!, "seq", out long seq))
        {
            (reason, detail) = (IngestReason.BadEvent, "an update event needs state, outcome, boot and seq");
            return false;
        }

        parsed = new DeviceEvent("update", "update:" + boot.ToString(CultureInfo.InvariantCulture) + ":" + seq.ToString(CultureInfo.InvariantCulture), boot, seq, Text(payload));
        return true;
    }

    /// <summary>
    /// A device event named by "e" ([a-z0-9-], 1..32). A fault needs code, count and boot (identity
    /// "fault:BOOT:CODE:COUNT"); another kind is identified by boot and seq when it has both, else it has no identity.
    /// </summary>
    public static bool TryParseEvent(byte[] payload, out DeviceEvent? parsed, out IngestReason reason, out string detail)
    {
        parsed = null;
        if (!TryRead(payload, out Dictionary<string, JsonElement>? fields, out reason, out detail))
        {
            return false;
        }

        if (!fields!.TryGetValue("e", out JsonElement e) || e.ValueKind != JsonValueKind.String || !IsKind(e.GetString()!))
        {
            (reason, detail) = (IngestReason.BadEvent, "an event needs \"e\": 1-32 of [a-z0-9-]");
            return false;
        }

        string kind = e.GetString()!;
        string json = Text(payload);
        if (kind == "fault")
        {
            if (!fields.TryGetValue("code", out JsonElement code) || code.ValueKind != JsonValueKind.String || !IsKind(code.GetString()!)
                || !TryCount(fields, "count", out long count) || !TryCount(fields, "boot", out long faultBoot))
            {
                (reason, detail) = (IngestReason.BadEvent, "a fault event needs code, count and boot");
                return false;
            }

            parsed = new DeviceEvent(kind, "fault:" + faultBoot.ToString(CultureInfo.InvariantCulture) + ":" + code.GetString() + ":" + count.ToString(CultureInfo.InvariantCulture), faultBoot, null, json);
            return true;
        }

        bool identified = TryCount(fields, "boot", out long boot) & TryCount(fields, "seq", out long seq);
        parsed = identified
            ? new DeviceEvent(kind, kind + ":" + boot.ToString(CultureInfo.InvariantCulture) + ":" + seq.ToString(CultureInfo.InvariantCulture), boot, seq, json)
            : new DeviceEvent(kind, null, null, null, json);
        return true;
    }

    private static bool TryRead(byte[] payload, out Dictionary<string, JsonElement>? fields, out IngestReason reason, out string detail)
    {
        fields = null;
        if (payload.Length > MaxBytes)
        {
            (reason, detail) = (IngestReason.TooLarge, "an event is at most " + MaxBytes + " bytes, got " + payload.Length);
            return false;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 2, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                (reason, detail) = (IngestReason.BadEvent, "an event is a JSON object");
                return false;
            }

            fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    (reason, detail) = (IngestReason.BadEvent, "an event holds no nested objects or arrays");
                    return false;
                }

                if (!fields.TryAdd(property.Name, property.Value.Clone()))
                {
                    (reason, detail) = (IngestReason.BadEvent, "an event names a field twice");
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            (reason, detail) = (IngestReason.BadEvent, "not JSON (or not UTF-8)");
            return false;
        }

        (reason, detail) = (IngestReason.BadEvent, string.Empty);
        return true;
    }

    private static bool IsString(Dictionary<string, JsonElement> fields, string name) =>
        fields.TryGetValue(name, out JsonElement value) && value.ValueKind == JsonValueKind.String;

    private static bool TryCount(Dictionary<string, JsonElement> fields, string name, out long value)
    {
        value = 0;
        return fields.TryGetValue(name, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value) && value >= 0;
    }

    private static bool IsKind(string text)
    {
        if (text.Length is 0 or > 32)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Text(byte[] payload) => Encoding.UTF8.GetString(payload);
}
