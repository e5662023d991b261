using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Pki;

/// <summary>One provisioned device. Never holds a secret (no key, no Wi-Fi password).</summary>
public sealed class InventoryEntry
{
    public string Id { get; set; } = string.Empty;

    /// <summary>Certificate serial number, upper-case hex.</summary>
    public string Serial { get; set; } = string.Empty;

    /// <summary>SHA-256 fingerprint of the certificate's DER, lower-case hex.</summary>
    public string Sha256 { get; set; } = string.Empty;

    public DateTimeOffset NotAfter { get; set; }

    public DateTimeOffset Provisioned { get; set; }

    /// <summary>"active" or "revoked".</summary>
    public string Status { get; set; } = "active";

    public DateTimeOffset? Revoked { get; set; }
}

/// <summary>The inventory of a PKI folder: the devices issued, their status, and the CRL number.</summary>
public sealed class Inventory
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public int Format { get; set; } = 1;

    public long CrlNumber { get; set; }

    public List<InventoryEntry> Devices { get; set; } = new();

    public InventoryEntry? Find(string id) => Devices.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase));

    public static Inventory Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ToolException("inventory not found: " + path + " (is this a folder made by 'securedevice pki init'?)");
        }

        try
        {
            Inventory? inventory = JsonSerializer.Deserialize<Inventory>(File.ReadAllText(path), Options);
            if (inventory == null || inventory.Format != 1)
            {
                throw new ToolException("unsupported inventory format in " + path);
            }

            return inventory;
        }
        catch (JsonException error)
        {
            throw new ToolException("malformed inventory " + path + ": " + error.Message);
        }
    }

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Replaces the inventory file atomically (write a temporary file, then rename over the old one).</summary>
    public void Save(string path)
    {
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(Serialize());
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
