using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;
using SecureDevice.Tool.Signing;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice verify</c>: checks a bundle folder exactly as a device would.</summary>
public static class VerifyCommand
{
    public static Command Create(ToolConsole console)
    {
        var roots = new Option<string[]>("--root") { Description = "Trusted root public key (PEM); repeat for several roots.", Required = true };
        var product = new Option<string>("--product") { Description = "Require this product id." };
        var hardware = new Option<string>("--hardware") { Description = "Require this hardware model to be listed." };
        var currentSecurity = new Option<string>("--current-security-version") { Description = "Anti-rollback floor: refuse lower security versions." };
        var loader = new Option<string>("--loader-version") { Description = "Refuse bundles needing a newer loader." };
        var revoked = new Option<string[]>("--revoked") { Description = "Revoked signing key id; repeat for several." };
        var revocationsFrom = new Option<string[]>("--revocations-from") { Description = "A bundle whose revocations apply, as on a device that installed it; repeatable." };
        var at = new Option<string>("--now") { Description = "Check at this time instead of now (YYYY-MM-DD or RFC 3339 UTC)." };
        var bundle = new Argument<string>("bundle") { Description = "Bundle folder." };
        var command = new Command("verify", "Verify a bundle with the device's own code; one line out, exit 0 only when it would install.")
        {
            roots, product, hardware, currentSecurity, loader, revoked, revocationsFrom, at, bundle,
        };
        command.SetAction(result =>
        {
            var anchors = new TrustAnchors();
            foreach (string path in result.GetValue(roots)!)
            {
                byte[] key = Ed25519KeyFile.ReadPublicKey(KeysCommands.ReadText(path, "root public key"), path);
                if (!anchors.TryAdd(key, 0) && anchors.Count == TrustAnchors.MaxRoots)
                {
                    throw new ToolException("at most " + TrustAnchors.MaxRoots + " roots");
                }
            }

            long now = result.GetValue(at) is string nowText ? CliParsing.Time(nowText, "--now") : console.NowUnixSeconds;
            var revocations = new RevocationList();
            foreach (string id in result.GetValue(revoked) ?? Array.Empty<string>())
            {
                revocations.Add(CliParsing.Identifier(id, "--revoked"));
            }

            foreach (string earlier in result.GetValue(revocationsFrom) ?? Array.Empty<string>())
            {
                BundleCheckResult previous = BundleChecker.Check(earlier, anchors, new RevocationList(), now, Unconstrained(PeekManifest(earlier)));
                if (previous.Status != BundleStatus.Verified || previous.Manifest == null)
                {
                    throw new ToolException("--revocations-from " + earlier + " does not verify: " + previous.Detail);
                }

                revocations.AddFrom(previous.Manifest);
            }

            string folder = result.GetValue(bundle)!;
            Manifest? peek = PeekManifest(folder);
            var device = Unconstrained(peek);
            if (result.GetValue(product) is string p)
            {
                device.Product = CliParsing.Identifier(p, "--product");
            }

            if (result.GetValue(hardware) is string h)
            {
                device.HardwareModel = CliParsing.Identifier(h, "--hardware");
            }

            if (result.GetValue(currentSecurity) is string s)
            {
                device.SecurityFloor = CliParsing.Count(s, "--current-security-version", int.MaxValue);
            }

            if (result.GetValue(loader) is string l)
            {
                device.LoaderVersion = CliParsing.Count(l, "--loader-version", int.MaxValue);
            }

            BundleCheckResult check = BundleChecker.Check(folder, anchors, revocations, now, device);
            if (check.Status != BundleStatus.Verified)
            {
                console.Error.WriteLine("rejected: " + BundleStatusText.Name(check.Status) + ": " + check.Detail);
                return ToolException.VerificationFailed;
            }

            Manifest m = check.Manifest!;
            console.Out.WriteLine("verified: " + m.Product + " " + m.Version + " security " + m.SecurityVersion + " signed by " + m.KeyId
                + " (root " + Hex.Encode(check.Delegation!.RootFingerprint, 0, TrustAnchors.FingerprintSize) + "), "
                + m.FileCount + " files, " + m.TotalFileBytes + " bytes");
            return 0;
        });
        return command;
    }

    // Without options the policy constrains nothing the operator did not ask for: the bundle's own product and first
    // hardware model, any loader, no installed version, floor 0.
    private static InstallContext Unconstrained(Manifest? manifest) => new()
    {
        Product = manifest?.Product ?? string.Empty,
        HardwareModel = manifest != null && manifest.HardwareCount > 0 ? manifest.Hardware[0] : string.Empty,
        LoaderVersion = int.MaxValue,
        CurrentVersion = null,
        CurrentSecurityVersion = 0,
        SecurityFloor = 0,
    };

    // Only to default the unconstrained fields; the verifier parses the manifest again after checking its signature.
    private static Manifest? PeekManifest(string folder)
    {
        string path = Path.Combine(folder, BundleLayout.Manifest);
        if (!File.Exists(path) || new FileInfo(path).Length > ManifestParser.MaxManifestBytes)
        {
            return null;
        }

        byte[] bytes = SafeFile.ReadAll(path, ManifestParser.MaxManifestBytes, "manifest");
        return new ManifestParser().TryParse(bytes, 0, bytes.Length, out Manifest? manifest) == DocumentStatus.Valid ? manifest : null;
    }
}
