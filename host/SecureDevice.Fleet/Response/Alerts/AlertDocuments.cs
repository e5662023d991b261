using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SecureDevice.Fleet.Text;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>
/// The alert formats (docs/response.md): the webhook's JSON document (version 1; "type" is "alert" or "summary") and the
/// e-mail's subject and plain text, made from the same values. Untrusted text (summaries and evidence may quote what a
/// device sent) is JSON-escaped in the document and terminal-escaped in the e-mail.
/// </summary>
public static class AlertDocuments
{
    public const int Version = 1;

    /// <summary>The JSON body for one alert.</summary>
    public static string Alert(string alertId, AlertEvent alert) => new JsonObject
    {
        ["version"] = Version,
        ["type"] = "alert",
        ["id"] = alertId,
        ["customer"] = alert.CustomerId,
        ["device"] = alert.DeviceId,
        ["kind"] = alert.Kind,
        ["state"] = alert.State,
        ["severity"] = FileActionAudit.Name(alert.Severity),
        ["summary"] = alert.Summary,
        ["evidence"] = alert.Evidence,
        ["occurredAt"] = Time(alert.OccurredAt),
    }.ToJsonString();

    /// <summary>The JSON body for a summary of held-back alerts.</summary>
    public static string Summary(string alertId, AlertSummary summary)
    {
        var kinds = new JsonObject();
        foreach ((string kind, int count) in summary.Kinds)
        {
            kinds[kind] = count;
        }

        var devices = new JsonArray();
        foreach (string device in summary.Devices)
        {
            devices.Add(device);
        }

        return new JsonObject
        {
            ["version"] = Version,
            ["type"] = "summary",
            ["id"] = alertId,
            ["customer"] = summary.CustomerId,
            ["windowStart"] = Time(summary.WindowStart),
            ["windowEnd"] = Time(summary.WindowEnd),
            ["count"] = summary.Count,
            ["kinds"] = kinds,
            ["devices"] = devices,
            ["devicesOmitted"] = summary.DevicesOmitted,
        }.ToJsonString();
    }

    /// <summary>E-mail subject of an alert (ids and kinds are restricted to safe characters before they get here).</summary>
    public static string AlertSubject(AlertEvent alert) => "[SecureDevice] " + (alert.DeviceId ?? alert.CustomerId) + ": " + alert.Kind + " " + alert.State;

    /// <summary>E-mail subject of a summary.</summary>
    public static string SummarySubject(AlertSummary summary) => "[SecureDevice] " + summary.Count.ToString(CultureInfo.InvariantCulture) + " more alerts for " + summary.CustomerId;

    /// <summary>The e-mail text, rendered from the JSON body (so an e-mail after a restart is the same as before).</summary>
    public static string EmailText(string body)
    {
        JsonNode node = JsonNode.Parse(body)!;
        var text = new StringBuilder();
        if (node["type"]?.GetValue<string>() == "summary")
        {
            text.Append("More alerts than the rate allows arrived for your devices between ").Append(node["windowStart"]).Append(" and ").Append(node["windowEnd"]).Append(".\n\n");
            text.Append("Held back: ").Append(node["count"]).Append('\n');
            foreach (KeyValuePair<string, JsonNode?> kind in node["kinds"]!.AsObject())
            {
                text.Append("  ").Append(kind.Key).Append(": ").Append(kind.Value).Append('\n');
            }

            text.Append("Devices: ");
            foreach (JsonNode? device in node["devices"]!.AsArray())
            {
                text.Append(device).Append(' ');
            }

            text.Append("(+").Append(node["devicesOmitted"]).Append(" more)\n");
        }
        else
        {
            text.Append(Printable.Escape(node["summary"]?.GetValue<string>())).Append("\n\n");
            text.Append("Device:   ").Append(node["device"]).Append('\n');
            text.Append("Kind:     ").Append(node["kind"]).Append(" (").Append(node["state"]).Append(")\n");
            text.Append("Severity: ").Append(node["severity"]).Append('\n');
            text.Append("When:     ").Append(node["occurredAt"]).Append('\n');
            if (node["evidence"] is JsonNode evidence)
            {
                text.Append("Evidence: ").Append(Printable.Escape(evidence.GetValue<string>())).Append('\n');
            }
        }

        text.Append("\nAlert ").Append(node["id"]).Append(" from SecureDevice.\n");
        return text.ToString();
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
