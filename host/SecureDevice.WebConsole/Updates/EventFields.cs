using System.Collections.Generic;
using System.Text.Json;

namespace SecureDevice.WebConsole.Updates;

/// <summary>
/// The fields of a stored device event worth a column (state, outcome, version, detail), read from its JSON. The text
/// is the device's and stays untrusted: the pages show it through Printable.Escape and Razor's encoding; here it is only
/// picked out, never trusted.
/// </summary>
public sealed record EventFields(string? State, string? Outcome, string? Version, string? Detail)
{
    private static readonly EventFields None = new(null, null, null, null);

    public static EventFields Parse(string payload)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return None;
            }

            var fields = new Dictionary<string, string>(System.StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    fields[property.Name] = property.Value.ToString();
                }
            }

            string? Get(params string[] names)
            {
                foreach (string name in names)
                {
                    if (fields.TryGetValue(name, out string? value))
                    {
                        return value;
                    }
                }

                return null;
            }

            return new EventFields(Get("state", "stage", "e"), Get("outcome", "code"), Get("version"), Get("detail"));
        }
        catch (JsonException)
        {
            return None;
        }
    }
}
