using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using SecureDevice.Core.Bundle;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Signing;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice sign</c>: option parsing over <see cref="BundleSigner"/>.</summary>
public static class SignCommand
{
    /// <summary>Hardware model used when --hardware is not given.</summary>
    public const string DefaultHardware = "esp32";

    public static Command Create(ToolConsole console)
    {
        var key = new Option<string>("--key") { Description = "Signing private key (PEM).", Required = true };
        var delegation = new Option<string>("--delegation") { Description = "Delegation of the signing key (from 'keys delegate').", Required = true };
        var roots = new Option<string[]>("--root") { Description = "Root public key devices trust (PEM); repeatable. The new bundle must verify against it.", Required = true };
        var product = new Option<string>("--product") { Description = "Product id.", Required = true };
        var version = new Option<string>("--version") { Description = "Application version major.minor.patch.", Required = true };
        var securityVersion = new Option<string>("--security-version") { Description = "Anti-rollback security version.", Required = true };
        var entry = new Option<string>("--entry") { Description = "Entry point Assembly:Namespace.Type.Method (public static, no parameters).", Required = true };
        var hardware = new Option<string[]>("--hardware") { Description = "Hardware model allowed; repeat for several (default esp32)." };
        var minLoader = new Option<string>("--min-loader-version") { Description = "Oldest loader that may install it (default 1)." };
        var expires = new Option<string>("--expires") { Description = "Expiry, YYYY-MM-DD or RFC 3339 UTC (default: none)." };
        var revoke = new Option<string[]>("--revoke") { Description = "Signing key id devices must refuse from now on; repeatable." };
        var output = new Option<string>("--out") { Description = "Bundle folder to create (must not exist).", Required = true };
        var files = new Argument<string[]>("files") { Description = "Payload files (.pe assemblies); a link is read as its target.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("sign", "Sign payload files into a bundle folder: manifest.json, manifest.sig, signer.delegation and the files.")
        {
            key, delegation, roots, product, version, securityVersion, entry, hardware, minLoader, expires, revoke, output, files,
        };
        command.SetAction(result =>
        {
            string[] paths = result.GetValue(files)!;
            if (paths.Length > Manifest.MaxFiles)
            {
                throw new ToolException("at most " + Manifest.MaxFiles + " payload files per bundle");
            }

            using SigningKey signingKey = SigningKey.FromFile(result.GetValue(key)!, "signing key");
            SignedBundle bundle = BundleSigner.Sign(new SigningRequest
            {
                Key = signingKey,
                Delegation = SafeFileReader.Read(result.GetValue(delegation)!, DelegationParser.MaxFileBytes, "delegation"),
                Roots = VerifyCommand.ReadRoots(result.GetValue(roots)!),
                Product = result.GetValue(product)!,
                Hardware = result.GetValue(hardware) is { Length: > 0 } models ? models : new[] { DefaultHardware },
                Version = result.GetValue(version)!,
                SecurityVersion = CliParsing.Count(result.GetValue(securityVersion)!, "--security-version", int.MaxValue),
                MinLoaderVersion = result.GetValue(minLoader) is string l ? CliParsing.Count(l, "--min-loader-version", int.MaxValue) : 1,
                Created = console.NowUnixSeconds,
                Expires = result.GetValue(expires) is string e ? CliParsing.Time(e, "--expires") : null,
                Entry = EntryPoint.Parse(result.GetValue(entry)!),
                Revokes = result.GetValue(revoke) ?? Array.Empty<string>(),
                Files = paths.Select(p => new BundlePayload(Path.GetFileName(p), SafeFileReader.Read(p, Manifest.MaxFileSize, "payload file"))).ToArray(),
                Output = result.GetValue(output)!,
            });
            Manifest m = bundle.Parsed;
            console.Line("signed " + result.GetValue(output) + ": " + m.Product + " " + m.Version + " (security " + m.SecurityVersion + ") with key " + m.KeyId
                + ", " + m.FileCount + " files, " + bundle.PayloadBytes + " bytes; verified as a device would");
            return 0;
        });
        return command;
    }
}
