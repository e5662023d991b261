using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using SecureDevice.TestSupport;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>What curl received: the status, the headers of the final response and the body.</summary>
public sealed record CurlResponse(int ExitCode, int Status, string[] HeaderLines, byte[] Body, string Error)
{
    /// <summary>The value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) =>
        HeaderLines.Where(line => line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(line => line[(name.Length + 1)..].Trim()).FirstOrDefault();

    public override string ToString() => "curl exit " + ExitCode + ", HTTP " + Status + "\n" + string.Join("\n", HeaderLines) + "\n" + Error;
}

/// <summary>/usr/bin/curl as the independent HTTPS client: it trusts only the given CA file, like a device.</summary>
public static class Curl
{
    /// <summary>Requests <paramref name="url"/> with extra curl options (e.g. "-r", "100-199", "-I", "--path-as-is").</summary>
    public static CurlResponse Request(string caPath, string url, params string[] options)
    {
        using var scratch = new TemporaryDirectory("curl");
        string body = scratch.Combine("body");
        string headers = scratch.Combine("headers");
        var arguments = new List<string> { "-sS", "--cacert", caPath, "--max-time", "20", "-o", body, "-D", headers, "-w", "%{http_code}" };
        arguments.AddRange(options);
        arguments.Add(url);
        ProcessResult result = ExternalProcess.Run("/usr/bin/curl", arguments.ToArray(), timeout: TimeSpan.FromSeconds(30));
        int status = int.TryParse(result.Output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int code) ? code : 0;
        string[] lines = File.Exists(headers) ? File.ReadAllText(headers).Replace("\r", string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries) : Array.Empty<string>();
        return new CurlResponse(result.ExitCode, status, lines, File.Exists(body) ? File.ReadAllBytes(body) : Array.Empty<byte>(), result.Error);
    }
}
