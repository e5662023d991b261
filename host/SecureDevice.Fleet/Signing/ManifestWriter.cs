using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet.Signing;

/// <summary>What goes into a manifest; <see cref="ManifestWriter"/> turns it into bytes.</summary>
public sealed record ManifestContent(
    string Product,
    IReadOnlyList<string> Hardware,
    string Version,
    long SecurityVersion,
    long MinLoaderVersion,
    long Created,
    long? Expires,
    string KeyId,
    string EntryAssembly,
    string EntryType,
    string EntryMethod,
    IReadOnlyList<string> Revokes,
    IReadOnlyList<(string Name, long Size, byte[] Sha256)> Files);

/// <summary>Writes manifest format 1 as indented JSON in the documented member order.</summary>
public static class ManifestWriter
{
    /// <summary>The manifest bytes (UTF-8, LF line ends, trailing newline).</summary>
    public static byte[] Write(ManifestContent content)
    {
        var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Manifest.FormatVersion);
            json.WriteString("product", content.Product);
            json.WriteStartArray("hardware");
            foreach (string model in content.Hardware)
            {
                json.WriteStringValue(model);
            }

            json.WriteEndArray();
            json.WriteString("version", content.Version);
            json.WriteNumber("securityVersion", content.SecurityVersion);
            json.WriteNumber("minLoaderVersion", content.MinLoaderVersion);
            json.WriteString("created", UtcTimestamp.Format(content.Created));
            if (content.Expires.HasValue)
            {
                json.WriteString("expires", UtcTimestamp.Format(content.Expires.Value));
            }

            json.WriteString("keyId", content.KeyId);
            json.WriteStartObject("entry");
            json.WriteString("assembly", content.EntryAssembly);
            json.WriteString("type", content.EntryType);
            json.WriteString("method", content.EntryMethod);
            json.WriteEndObject();
            if (content.Revokes.Count > 0)
            {
                json.WriteStartArray("revokes");
                foreach (string keyId in content.Revokes)
                {
                    json.WriteStringValue(keyId);
                }

                json.WriteEndArray();
            }

            json.WriteStartArray("files");
            foreach (var file in content.Files)
            {
                json.WriteStartObject();
                json.WriteString("name", file.Name);
                json.WriteNumber("size", file.Size);
                json.WriteString("sha256", Hex.Encode(file.Sha256, 0, 32));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }
}
