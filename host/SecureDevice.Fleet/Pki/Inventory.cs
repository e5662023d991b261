using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using SecureDevice.Core.Bundle;
using SecureDevice.Fleet.Files;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet.Pki;

/// <summary>One provisioned device. Never holds a secret (no key, no Wi-Fi password).</summary>
public sealed class InventoryEntry
{
    /// <summary>Device id, the certificate's CN: 1-64 of [A-Za-z0-9_-].</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The customer who owns the device (<see cref="Inventory.IsOwner"/>), or null when not recorded.</summary>
    public string? Owner { get; set; }

    /// <summary>Certificate serial number, upper-case hex (1 to 20 bytes).</summary>
    public string Serial { get; set; } = string.Empty;

    /// <summary>SHA-256 fingerprint of the certificate's DER, lower-case hex.</summary>
    public string Sha256 { get; set; } = string.Empty;

    /// <summary>Certificate expiry (UTC).</summary>
    public DateTimeOffset NotAfter { get; set; }

    public DateTimeOffset Provisioned { get; set; }

    public DeviceStatus Status { get; set; } = DeviceStatus.Active;

    /// <summary>
    /// The device's product (<see cref="Inventory.IsProduct"/>; the product in its config.json, compared with update
    /// manifests), or null when not recorded: the service groups detection cohorts by product and version.
    /// </summary>
    public string? Product { get; set; }

    /// <summary>When it was revoked (set with <see cref="DeviceStatus.Revoked"/>).</summary>
    public DateTimeOffset? Revoked { get; set; }
}

/// <summary>
/// The inventory of a PKI folder (inventory.json): the devices issued, their owner, certificate serial, fingerprint,
/// expiry and status, and the number of the last CRL. Loading is strict: any malformed, missing, duplicated or
/// out-of-range value is a <see cref="FleetError.CorruptState"/> failure that names it, never a crash and never a guess.
/// </summary>
public sealed class Inventory
{
    /// <summary>The only format this code reads and writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest CRL number kept: 2^53 - 1, so that every JSON reader (a browser's included) reads it exactly.</summary>
    public const long MaxCrlNumber = 9007199254740991L;

    /// <summary>
    /// Largest inventory.json read: 64 MiB, about 200,000 devices at ~330 bytes each. The file is the PKI's record;
    /// a larger fleet keeps its registry in the fleet service's database.
    /// </summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        MaxDepth = 8,
    };

    public int Format { get; set; } = FormatVersion;

    public long CrlNumber { get; set; }

    public List<InventoryEntry> Devices { get; set; } = new();

    /// <summary>The device with <paramref name="id"/> (ids compare case-insensitively, as the reserved names do), or null.</summary>
    public InventoryEntry? Find(string id) => Devices.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The device whose certificate has <paramref name="serial"/> (hex, any case), or null.</summary>
    public InventoryEntry? FindBySerial(string serial) => Devices.FirstOrDefault(d => string.Equals(d.Serial, serial, StringComparison.OrdinalIgnoreCase));

    /// <summary>An owner (customer) id: 1-64 of [A-Za-z0-9._@-], starting with a letter or digit.</summary>
    public static bool IsOwner(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 64 || !char.IsAsciiLetterOrDigit(text[0]))
        {
            return false;
        }

        return text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');
    }

    /// <summary>Reads and checks inventory.json under the safe-file rule.</summary>
    /// <exception cref="FleetException">Missing (<see cref="FleetError.NotFound"/>), unsafe, or malformed (<see cref="FleetError.CorruptState"/>).</exception>
    public static Inventory Load(string path)
    {
        byte[] bytes = SafeFileReader.Read(path, MaxFileBytes, "inventory");
        Inventory? inventory;
        try
        {
            inventory = JsonSerializer.Deserialize<Inventory>(bytes, Options);
        }
        catch (JsonException error)
        {
            throw Corrupt(path, "malformed JSON" + (error.Path != null ? " at " + error.Path : string.Empty) + ": " + FirstLine(error.Message));
        }
        catch (NotSupportedException error)
        {
            throw Corrupt(path, FirstLine(error.Message));
        }

        if (inventory == null)
        {
            throw Corrupt(path, "the document is null");
        }

        inventory.Validate(path);
        return inventory;
    }

    /// <summary>The file's bytes (indented JSON, enums as "active"/"revoked").</summary>
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Replaces inventory.json atomically (temporary file, fsync, rename, folder fsync).</summary>
    public void Save(string path) => AtomicFile.Replace(path, Serialize(), AtomicFile.PublicMode);

    private void Validate(string path)
    {
        if (Format != FormatVersion)
        {
            throw Corrupt(path, "unsupported format " + Format.ToString(CultureInfo.InvariantCulture));
        }

        if (CrlNumber < 0 || CrlNumber > MaxCrlNumber)
        {
            throw Corrupt(path, "crlNumber " + CrlNumber.ToString(CultureInfo.InvariantCulture) + " is outside 0.." + MaxCrlNumber.ToString(CultureInfo.InvariantCulture));
        }

        if (Devices == null)
        {
            throw Corrupt(path, "\"devices\" is not a list");
        }

        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < Devices.Count; i++)
        {
            InventoryEntry? entry = Devices[i];
            string where = "devices[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (entry == null)
            {
                throw Corrupt(path, where + " is null");
            }

            if (!SafeName.IsDeviceId(entry.Id))
            {
                throw Corrupt(path, where + ".id is not a device id");
            }

            if (!ids.Add(entry.Id))
            {
                throw Corrupt(path, where + ".id " + entry.Id + " appears twice");
            }

            if (entry.Owner != null && !IsOwner(entry.Owner))
            {
                throw Corrupt(path, where + ".owner is not an owner id");
            }

            if (entry.Product != null && !IsProduct(entry.Product))
            {
                throw Corrupt(path, where + ".product is not a product id (1-32 of [a-z0-9._-])");
            }

            if (!IsHex(entry.Serial, 2, 40))
            {
                throw Corrupt(path, where + ".serial is not a certificate serial (2-40 hex digits)");
            }

            if (!IsHex(entry.Sha256, 64, 64))
            {
                throw Corrupt(path, where + ".sha256 is not 64 hex digits");
            }

            if (!Enum.IsDefined(entry.Status))
            {
                throw Corrupt(path, where + ".status is unknown");
            }
        }
    }

    /// <summary>A product id: 1-32 of [a-z0-9._-], starting with a letter or digit.</summary>
    public static bool IsProduct(string? text) =>
        !string.IsNullOrEmpty(text) && text.Length <= 32 && char.IsAsciiLetterLower(text[0]) | char.IsAsciiDigit(text[0])
        && text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    private static bool IsHex(string? text, int min, int max) =>
        text != null && text.Length >= min && text.Length <= max && text.Length % 2 == 0 && text.All(char.IsAsciiHexDigit);

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(new[] { '\r', '\n' });
        return end < 0 ? text : text[..end];
    }

    private static FleetException Corrupt(string path, string what) =>
        new(FleetError.CorruptState, "inventory " + path + " is corrupt: " + what + " (restore it from a backup; nothing was changed)");
}
