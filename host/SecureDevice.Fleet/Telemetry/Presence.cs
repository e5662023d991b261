namespace SecureDevice.Fleet.Telemetry;

/// <summary>A device's connection as its retained status topic tells it (devices/ID/up/status).</summary>
public enum PresenceStatus
{
    /// <summary>Nothing (valid) received yet.</summary>
    Unknown,

    /// <summary>"online": published retained by the device after it connected.</summary>
    Online,

    /// <summary>"offline": the device's last will, or its planned goodbye.</summary>
    Offline,
}

/// <summary>Parses the status topic's payload.</summary>
public static class Presence
{
    /// <summary>"online" or "offline" exactly (ASCII, ordinal); anything else is false.</summary>
    public static bool TryParse(byte[] payload, out PresenceStatus status)
    {
        string text = payload.Length is 6 or 7 ? System.Text.Encoding.ASCII.GetString(payload) : string.Empty;
        status = text == "online" ? PresenceStatus.Online : text == "offline" ? PresenceStatus.Offline : PresenceStatus.Unknown;
        return status != PresenceStatus.Unknown;
    }
}
