using System;
using System.IO;
using SecureDevice.TestSupport;

namespace SecureDevice.Tool.Tests;

/// <summary>A folder with a root key, a signing key, its delegation and two payload files, created with the tool itself.</summary>
public sealed class SigningFixture : IDisposable
{
    private readonly TemporaryDirectory _folder = new("signing");

    public SigningFixture(string products = "sensor", string? notBefore = null, string? notAfter = null, string keyName = "signer", string keyId = "release-2026")
    {
        ToolRun.Ok("keys", "new", "--name", "root", "--out", Folder);
        ToolRun.Ok("keys", "new", "--name", keyName, "--out", Folder);
        var args = new System.Collections.Generic.List<string>
        {
            "keys", "delegate", "--root", RootKey, "--key", Combine(keyName + ".pub.pem"), "--key-id", keyId, "--out", Delegation,
        };
        if (products.Length > 0)
        {
            args.Add("--products");
            args.Add(products);
        }

        if (notBefore != null)
        {
            args.AddRange(new[] { "--not-before", notBefore });
        }

        if (notAfter != null)
        {
            args.AddRange(new[] { "--not-after", notAfter });
        }

        ToolRun.Ok(args.ToArray());
        SigningKey = Combine(keyName + ".key.pem");
        var random = new Random(99);
        byte[] app = new byte[300];
        byte[] library = new byte[120];
        random.NextBytes(app);
        random.NextBytes(library);
        File.WriteAllBytes(AppFile, app);
        File.WriteAllBytes(LibraryFile, library);
    }

    public string Folder => _folder.Path;

    public string RootKey => Combine("root.key.pem");

    public string RootPublic => Combine("root.pub.pem");

    public string SigningKey { get; }

    public string Delegation => Combine("signer.delegation");

    public string AppFile => Combine("Sensor.App.pe");

    public string LibraryFile => Combine("Sensor.Lib.pe");

    public string Combine(params string[] parts) => _folder.Combine(parts);

    /// <summary>Signs the two payload files into <paramref name="name"/> with the given options.</summary>
    public string Sign(string name, string version = "1.1.0", string securityVersion = "3", params string[] extra)
    {
        string output = Combine(name);
        var args = new System.Collections.Generic.List<string>
        {
            "sign", "--key", SigningKey, "--delegation", Delegation, "--product", "sensor", "--version", version,
            "--security-version", securityVersion, "--entry", "Sensor.App:Sensor.App.Application.Start", "--out", output,
        };
        args.AddRange(SignExtra(this));
        args.AddRange(extra);
        args.Add(AppFile);
        args.Add(LibraryFile);
        ToolRun.Ok(args.ToArray());
        return output;
    }

    /// <summary>Arguments every sign command of these tests carries beyond the basics.</summary>
    public static string[] SignExtra(SigningFixture fixture) => new[] { "--root", fixture.RootPublic };

    public void Dispose() => _folder.Dispose();
}
