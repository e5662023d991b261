using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;
using SecureDevice.Tool.Signing;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice sign</c>: writes a signed bundle folder.</summary>
public static class SignCommand
{
    /// <summary>Hardware model used when --hardware is not given.</summary>
    public const string DefaultHardware = "esp32";

    public static Command Create(ToolConsole console)
    {
        var key = new Option<string>("--key") { Description = "Signing private key (PEM).", Required = true };
        var delegation = new Option<string>("--delegation") { Description = "Delegation of the signing key (from 'keys delegate').", Required = true };
        var product = new Option<string>("--product") { Description = "Product id.", Required = true };
        var version = new Option<string>("--version") { Description = "Application version major.minor.patch.", Required = true };
        var securityVersion = new Option<string>("--security-version") { Description = "Anti-rollback security version.", Required = true };
        var entry = new Option<string>("--entry") { Description = "Entry point Assembly:Namespace.Type.Method (public static, no parameters).", Required = true };
        var hardware = new Option<string[]>("--hardware") { Description = "Hardware model allowed; repeat for several (default esp32)." };
        var minLoader = new Option<string>("--min-loader-version") { Description = "Oldest loader that may install it (default 1)." };
        var expires = new Option<string>("--expires") { Description = "Expiry, YYYY-MM-DD or RFC 3339 UTC (default: none)." };
        var revoke = new Option<string[]>("--revoke") { Description = "Signing key id devices must refuse from now on; repeatable." };
        var output = new Option<string>("--out") { Description = "Bundle folder to create (must not exist).", Required = true };
        var files = new Argument<string[]>("files") { Description = "Payload files (.pe assemblies).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("sign", "Sign payload files into a bundle folder: manifest.json, manifest.sig, signer.delegation and the files.")
        {
            key, delegation, product, version, securityVersion, entry, hardware, minLoader, expires, revoke, output, files,
        };
        command.SetAction(result =>
        {
            string keyPath = result.GetValue(key)!;
            byte[] seed = Ed25519KeyFile.ReadPrivateKey(KeysCommands.ReadText(keyPath, "signing key"), keyPath);
            try
            {
                return Sign(console, seed, result.GetValue(delegation)!, result.GetValue(product)!, result.GetValue(version)!,
                    result.GetValue(securityVersion)!, result.GetValue(entry)!, result.GetValue(hardware), result.GetValue(minLoader),
                    result.GetValue(expires), result.GetValue(revoke), result.GetValue(output)!, result.GetValue(files)!);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        });
        return command;
    }

    private static int Sign(ToolConsole console, byte[] seed, string delegationPath, string product, string version, string securityVersion,
        string entry, string[]? hardware, string? minLoader, string? expires, string[]? revoke, string output, string[] files)
    {
        byte[] delegationBytes = SafeFile.ReadAll(delegationPath, DelegationParser.MaxFileBytes, "delegation");
        var parser = new DelegationParser();
        if (parser.TryParse(delegationBytes, 0, delegationBytes.Length, out Delegation? delegation) is var status && status != DocumentStatus.Valid)
        {
            throw new ToolException(delegationPath + ": " + parser.Describe(status));
        }

        byte[] publicKey = Ed25519KeyFile.DerivePublicKey(seed);
        if (!publicKey.AsSpan().SequenceEqual(delegation!.PublicKey))
        {
            throw new ToolException("the signing key does not match the public key in " + delegationPath);
        }

        var (assembly, type, method) = CliParsing.EntryPoint(entry, "--entry");
        long now = console.NowUnixSeconds;
        if (now >= delegation.NotAfterUnixSeconds)
        {
            throw new ToolException("delegation " + delegation.KeyId + " has expired; devices would refuse this bundle");
        }

        var payloads = new List<(string Name, long Size, byte[] Sha256, string Path)>();
        foreach (string path in files)
        {
            string name = Path.GetFileName(path);
            if (!SafeName.IsAssemblyFileName(name, Manifest.MaxNameLength))
            {
                throw new ToolException("payload file name must be [A-Za-z0-9._-] ending in .pe: " + path);
            }

            if (payloads.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ToolException("two payload files are named " + name);
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ToolException("payload file not found: " + path);
            }

            if (info.Length < 1 || info.Length > Manifest.MaxFileSize)
            {
                throw new ToolException("payload file must be 1.." + Manifest.MaxFileSize + " bytes: " + path);
            }

            payloads.Add((name, info.Length, HashFile(path), path));
        }

        if (payloads.Count > Manifest.MaxFiles)
        {
            throw new ToolException("at most " + Manifest.MaxFiles + " payload files per bundle");
        }

        if (!payloads.Any(p => p.Name == assembly + ".pe"))
        {
            throw new ToolException("--entry names assembly " + assembly + " but no payload file is " + assembly + ".pe");
        }

        string[] models = hardware is { Length: > 0 } ? hardware : new[] { DefaultHardware };
        var content = new ManifestContent(
            CliParsing.Identifier(product, "--product"),
            models.Select(m => CliParsing.Identifier(m, "--hardware")).ToArray(),
            CliParsing.Version(version, "--version"),
            CliParsing.Count(securityVersion, "--security-version", int.MaxValue),
            minLoader == null ? 1 : CliParsing.Count(minLoader, "--min-loader-version", int.MaxValue),
            now,
            expires == null ? null : CliParsing.Time(expires, "--expires"),
            delegation.KeyId,
            assembly,
            type,
            method,
            (revoke ?? Array.Empty<string>()).Select(r => CliParsing.Identifier(r, "--revoke")).ToArray(),
            payloads.Select(p => (p.Name, p.Size, p.Sha256)).ToArray());
        byte[] manifest = ManifestWriter.Write(content);

        // Check with the device's parser and the delegation's constraints before anything is written.
        var manifestParser = new ManifestParser();
        DocumentStatus manifestStatus = manifestParser.TryParse(manifest, 0, manifest.Length, out Manifest? parsed);
        if (manifestStatus != DocumentStatus.Valid)
        {
            throw new ToolException("cannot sign: " + manifestParser.Describe(manifestStatus));
        }

        if (!delegation.AllowsProduct(parsed!.Product))
        {
            throw new ToolException("delegation " + delegation.KeyId + " does not allow product " + parsed.Product);
        }

        if (parsed.SecurityVersion < delegation.MinSecurityVersion)
        {
            throw new ToolException("delegation " + delegation.KeyId + " allows security version " + delegation.MinSecurityVersion + " and up only");
        }

        byte[] signature = new byte[64];
        new Ed25519Signer().Sign(seed, 0, manifest, 0, manifest.Length, signature, 0);
        if (new Ed25519Verifier().Verify(publicKey, manifest, 0, manifest.Length, signature) != Ed25519Status.Valid)
        {
            throw new InvalidOperationException("self-check of the manifest signature failed");
        }

        using (var staging = new StagingDirectory(output))
        {
            File.WriteAllBytes(Path.Combine(staging.Path, BundleLayout.Manifest), manifest);
            File.WriteAllBytes(Path.Combine(staging.Path, BundleLayout.Signature), signature);
            File.WriteAllBytes(Path.Combine(staging.Path, BundleLayout.Delegation), delegationBytes);
            foreach (var payload in payloads)
            {
                string target = Path.Combine(staging.Path, payload.Name);
                File.Copy(payload.Path, target);
                if (!HashFile(target).AsSpan().SequenceEqual(payload.Sha256))
                {
                    throw new ToolException("payload file changed while signing: " + payload.Path);
                }
            }

            staging.Commit();
        }

        console.Out.WriteLine("signed " + output + ": " + content.Product + " " + content.Version + " (security " + content.SecurityVersion
            + ") with key " + delegation.KeyId + ", " + payloads.Count + " files, " + payloads.Sum(p => p.Size) + " bytes");
        return 0;
    }

    private static byte[] HashFile(string path)
    {
        var sha = new Sha256();
        byte[] buffer = new byte[BundleChecker.ChunkSize];
        using FileStream stream = File.OpenRead(path);
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            sha.Append(buffer, 0, read);
        }

        byte[] digest = new byte[32];
        sha.Finish(digest, 0);
        return digest;
    }
}
