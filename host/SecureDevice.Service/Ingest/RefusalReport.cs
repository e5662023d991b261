using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SecureDevice.Fleet.Broker;

namespace SecureDevice.Service.Ingest;

/// <summary>How <see cref="RefusalReport.TryParse"/> ended.</summary>
public enum RefusalParseStatus
{
    /// <summary>A well-formed report of one client's refused publishes.</summary>
    Client,

    /// <summary>A well-formed report of the clients past the counter's per-interval limit, summed.</summary>
    Overflow,

    /// <summary>Not the documented topic or payload (docs/service.md, "Publishes refused by the broker").</summary>
    Malformed,
}

/// <summary>
/// One report of the broker's refusal counter (host/broker/refusal-counter): the publishes the broker's ACL refused to
/// one client over one interval, read from <c>$SYS/broker/securedevice/refused/CLIENT</c>. Strict: exactly the
/// documented fields, each once, of the documented type and range; anything else is malformed. Pure.
/// </summary>
public sealed record RefusalReport
{
    /// <summary>The largest payload the counter sends (its REFUSAL_PAYLOAD_MAX, less its NUL).</summary>
    public const int MaxPayloadBytes = 1399;

    /// <summary>The counter's name for the overflow report.</summary>
    public const string OverflowName = "%overflow";

    /// <summary>The client id, decoded from the topic (null for the overflow report or an id reported by its hash).</summary>
    public string? ClientId { get; init; }

    /// <summary>The topic's last level as sent (escaped form): the dedupe key with <see cref="StartMs"/>.</summary>
    public required string TopicName { get; init; }

    public long Refused { get; init; }

    public long Bytes { get; init; }

    /// <summary>The last refused topic (at most 96 bytes of it) and its full length in bytes; empty for the overflow report.</summary>
    public string LastTopic { get; init; } = string.Empty;

    public long LastTopicLength { get; init; }

    public string FirstTopic { get; init; } = string.Empty;

    /// <summary>Distinct clients summed in the overflow report (an upper bound).</summary>
    public long Clients { get; init; }

    /// <summary>The interval, broker wall clock, Unix ms.</summary>
    public long StartMs { get; init; }

    public long EndMs { get; init; }

    /// <summary>True for a topic under <see cref="BrokerRights.RefusalTopicPrefix"/>.</summary>
    public static bool IsRefusalTopic(string topic) => topic.StartsWith(BrokerRights.RefusalTopicPrefix, StringComparison.Ordinal);

    private static readonly string[] ClientFields = { "v", "refused", "bytes", "first_topic", "first_topic_len", "last_topic", "last_topic_len", "start_ms", "end_ms" };
    private static readonly string[] OverflowFields = { "v", "clients", "refused", "bytes", "start_ms", "end_ms" };

    public static RefusalParseStatus TryParse(string topic, ReadOnlySpan<byte> payload, out RefusalReport? report, out string detail)
    {
        report = null;
        if (!IsRefusalTopic(topic))
        {
            detail = "not a refusal report topic";
            return RefusalParseStatus.Malformed;
        }

        string name = topic[BrokerRights.RefusalTopicPrefix.Length..];
        bool overflow = name == OverflowName;
        string? clientId = null;
        if (!overflow && !TryDecodeName(name, out clientId))
        {
            detail = "the topic's client level is not the counter's escaped form";
            return RefusalParseStatus.Malformed;
        }

        if (payload.Length > MaxPayloadBytes)
        {
            detail = "a refusal report is at most " + MaxPayloadBytes + " bytes, got " + payload.Length;
            return RefusalParseStatus.Malformed;
        }

        string[] expected = overflow ? OverflowFields : ClientFields;
        var numbers = new long[expected.Length];
        var texts = new string?[expected.Length];
        var seen = new bool[expected.Length];
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 1 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                detail = "a refusal report is a JSON object";
                return RefusalParseStatus.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string field = reader.GetString()!;
                int index = Array.IndexOf(expected, field);
                if (index < 0 || seen[index])
                {
                    detail = index < 0 ? "unknown field" : "a field twice";
                    return RefusalParseStatus.Malformed;
                }

                seen[index] = true;
                if (!reader.Read())
                {
                    break;
                }

                if (field.EndsWith("_topic", StringComparison.Ordinal))
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        detail = field + " must be a string";
                        return RefusalParseStatus.Malformed;
                    }

                    texts[index] = reader.GetString();
                }
                else if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out numbers[index]) || numbers[index] < 0)
                {
                    detail = field + " must be a whole number, 0 or more";
                    return RefusalParseStatus.Malformed;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                detail = "a refusal report is one flat JSON object";
                return RefusalParseStatus.Malformed;
            }
        }
        catch (JsonException)
        {
            detail = "not JSON (or not UTF-8)";
            return RefusalParseStatus.Malformed;
        }

        if (Array.IndexOf(seen, false) >= 0)
        {
            detail = "a field is missing";
            return RefusalParseStatus.Malformed;
        }

        long Number(string field) => numbers[Array.IndexOf(expected, field)];
        if (Number("v") != 1)
        {
            detail = "unknown format version " + Number("v").ToString(CultureInfo.InvariantCulture);
            return RefusalParseStatus.Malformed;
        }

        if (Number("refused") < 1 || Number("end_ms") < Number("start_ms"))
        {
            detail = "refused must be 1 or more and end_ms not before start_ms";
            return RefusalParseStatus.Malformed;
        }

        report = new RefusalReport
        {
            ClientId = clientId,
            TopicName = name,
            Refused = Number("refused"),
            Bytes = Number("bytes"),
            StartMs = Number("start_ms"),
            EndMs = Number("end_ms"),
            Clients = overflow ? Number("clients") : 0,
            FirstTopic = overflow ? string.Empty : texts[Array.IndexOf(expected, "first_topic")]!,
            LastTopic = overflow ? string.Empty : texts[Array.IndexOf(expected, "last_topic")]!,
            LastTopicLength = overflow ? 0 : Number("last_topic_len"),
        };
        detail = string.Empty;
        return overflow ? RefusalParseStatus.Overflow : RefusalParseStatus.Client;
    }

    /// <summary>
    /// The counter's escaped client id: <c>%XX</c> (two upper-case hex digits) for '/', '+', '#', '%' and control
    /// characters, every other byte as is; "%" alone for the empty id; "%~" and 16 hex digits for an id longer than 64
    /// bytes (its hash: <paramref name="clientId"/> null). False for anything else.
    /// </summary>
    public static bool TryDecodeName(string name, out string? clientId)
    {
        clientId = null;
        if (name == "%")
        {
            clientId = string.Empty;
            return true;
        }

        if (name.StartsWith("%~", StringComparison.Ordinal))
        {
            return name.Length == 18 && IsHex(name.AsSpan(2), lowerCase: true);
        }

        if (name.Length == 0)
        {
            return false;
        }

        byte[] raw = Encoding.UTF8.GetBytes(name);
        var decoded = new byte[raw.Length];
        int length = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= raw.Length || !IsHexByte(raw[i + 1]) || !IsHexByte(raw[i + 2]))
                {
                    return false;
                }

                byte value = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                if (!(value is (byte)'/' or (byte)'+' or (byte)'#' or (byte)'%' || value < 0x20 || value == 0x7F))
                {
                    return false; // only what the counter escapes: one id, one name
                }

                decoded[length++] = value;
                i += 2;
            }
            else if (b is (byte)'/' or (byte)'+' or (byte)'#' || b < 0x20 || b == 0x7F)
            {
                return false;
            }
            else
            {
                decoded[length++] = b;
            }
        }

        if (length > 64)
        {
            return false;
        }

        clientId = Encoding.UTF8.GetString(decoded, 0, length);
        return true;
    }

    private static bool IsHexByte(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= (byte)'9' ? b - '0' : b - 'A' + 10;

    private static bool IsHex(ReadOnlySpan<char> text, bool lowerCase)
    {
        foreach (char c in text)
        {
            if (!(c is >= '0' and <= '9' || (lowerCase ? c is >= 'a' and <= 'f' : c is >= 'A' and <= 'F')))
            {
                return false;
            }
        }

        return true;
    }
}
