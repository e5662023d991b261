using System.Text.Json;
using SecureDevice.Core.Update;

namespace SecureDevice.Service.Integration;

/// <summary>
/// What detection takes from a stored device event (already checked by <c>DeviceEventParser</c>): an update event's
/// outcome wire code (<see cref="UpdateOutcomeCode"/>) and a fault event's boot number and code. Never throws on odd content: false.
/// </summary>
public static class DeviceEventFacts
{
    /// <summary>Largest outcome code searched by name (rejections are 32 + a bundle status below 256).</summary>
    private const int MaxOutcome = (int)UpdateOutcome.Rejected + 255;

    /// <summary>
    /// The outcome of an update event: its "code" when the code's name is its "outcome" (the firmware writes both), else
    /// the code whose name is "outcome"; false when "outcome" names none.
    /// </summary>
    public static bool TryUpdateOutcome(string json, out int outcome)
    {
        outcome = UpdateOutcomeCode.Of(UpdateOutcome.None);
        if (!TryRoot(json, out JsonElement root) || !root.TryGetProperty("outcome", out JsonElement name) || name.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        string text = name.GetString()!;
        if (root.TryGetProperty("code", out JsonElement code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out int number)
            && UpdateOutcomeCode.TryDecode(number, out UpdateOutcome stated) && UpdateOutcomes.Name(stated) == text)
        {
            outcome = UpdateOutcomeCode.Of(stated);
            return true;
        }

        for (int candidate = 0; candidate <= MaxOutcome; candidate++)
        {
            if (UpdateOutcomeCode.TryDecode(candidate, out UpdateOutcome named) && UpdateOutcomes.Name(named) == text)
            {
                outcome = UpdateOutcomeCode.Of(named);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The boot number of a fault event, and its fault code (<c>Core.Boot.FaultLog.Name</c>; null when it has no string
    /// "code"). The code is only compared with known names, never shown: the device's "detail" text is not read.
    /// </summary>
    public static bool TryFault(string json, out long boot, out string? code)
    {
        boot = 0;
        code = null;
        if (!TryRoot(json, out JsonElement root) || !root.TryGetProperty("boot", out JsonElement value) || value.ValueKind != JsonValueKind.Number
            || !value.TryGetInt64(out boot) || boot < 0)
        {
            return false;
        }

        if (root.TryGetProperty("code", out JsonElement name) && name.ValueKind == JsonValueKind.String)
        {
            code = name.GetString();
        }

        return true;
    }

    private static bool TryRoot(string json, out JsonElement root)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            root = default;
            return false;
        }
    }
}
