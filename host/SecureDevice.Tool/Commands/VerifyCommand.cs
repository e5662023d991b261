using System;
using System.CommandLine;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Fleet.Signing;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice verify</c>: checks a bundle folder exactly as a device would (<see cref="BundleChecker"/>).</summary>
public static class VerifyCommand
{
    public static Command Create(ToolConsole console)
    {
        var roots = new Option<string[]>("--root") { Description = "Trusted root public key (PEM); repeat for several roots.", Required = true };
        var productOption = new Option<string>("--product") { Description = "Require this product id." };
        var hardware = new Option<string>("--hardware") { Description = "Require this hardware model to be listed." };
        var currentSecurity = new Option<string>("--current-security-version") { Description = "Anti-rollback floor: refuse lower security versions." };
        var loader = new Option<string>("--loader-version") { Description = "Refuse bundles needing a newer loader." };
        var revoked = new Option<string[]>("--revoked") { Description = "Revoked signing key id; repeat for several." };
        var revocationsFrom = new Option<string[]>("--revocations-from") { Description = "A bundle whose revocations apply, as on a device that installed it; repeatable." };
        var at = new Option<string>("--now") { Description = "Check at this time instead of now (YYYY-MM-DD or RFC 3339 UTC)." };
        var bundle = new Argument<string>("bundle") { Description = "Bundle folder." };
        var command = new Command("verify", "Verify a bundle with the device's own code; one line out, exit 0 only when it would install.")
        {
            roots, productOption, hardware, currentSecurity, loader, revoked, revocationsFrom, at, bundle,
        };
        command.SetAction(result =>
        {
            TrustAnchors anchors = ReadRoots(result.GetValue(roots)!);
            long now = result.GetValue(at) is string nowText ? CliParsing.Time(nowText, "--now") : console.NowUnixSeconds;
            var revocations = new RevocationList();
            foreach (string id in result.GetValue(revoked) ?? Array.Empty<string>())
            {
                revocations.Add(CliParsing.Identifier(id, "--revoked"));
            }

            foreach (string earlier in result.GetValue(revocationsFrom) ?? Array.Empty<string>())
            {
                BundleCheckResult previous = BundleChecker.Check(earlier, anchors, new RevocationList(), now);
                if (previous.Status != BundleStatus.Verified || previous.Manifest == null)
                {
                    throw new ToolException("--revocations-from " + earlier + " does not verify: " + previous.Detail);
                }

                revocations.AddFrom(previous.Manifest);
            }

            string? product = result.GetValue(productOption) is string p ? CliParsing.Identifier(p, "--product") : null;
            string? model = result.GetValue(hardware) is string h ? CliParsing.Identifier(h, "--hardware") : null;
            long floor = result.GetValue(currentSecurity) is string s ? CliParsing.Count(s, "--current-security-version", int.MaxValue) : 0;
            long loaderVersion = result.GetValue(loader) is string l ? CliParsing.Count(l, "--loader-version", int.MaxValue) : int.MaxValue;
            BundleCheckResult check = BundleChecker.Check(result.GetValue(bundle)!, anchors, revocations, now, device =>
            {
                device.Product = product ?? device.Product;
                device.HardwareModel = model ?? device.HardwareModel;
                device.SecurityFloor = floor;
                device.LoaderVersion = loaderVersion;
            });
            if (check.Status != BundleStatus.Verified)
            {
                console.ErrorLine("rejected: " + BundleStatusText.Name(check.Status) + ": " + check.Detail);
                return ExitCodes.Failed;
            }

            Manifest m = check.Manifest!;
            console.Line("verified: " + m.Product + " " + m.Version + " security " + m.SecurityVersion + " signed by " + m.KeyId
                + " (root " + Hex.Encode(check.Delegation!.RootFingerprint, 0, TrustAnchors.FingerprintSize) + "), " + m.FileCount + " files, " + m.TotalFileBytes + " bytes");
            return 0;
        });
        return command;
    }

    /// <summary>Trust anchors from root public key files (1 to 4, no duplicates).</summary>
    internal static TrustAnchors ReadRoots(string[] paths)
    {
        var anchors = new TrustAnchors();
        if (paths.Length > TrustAnchors.MaxRoots)
        {
            throw new ToolException("at most " + TrustAnchors.MaxRoots + " roots");
        }

        foreach (string path in paths)
        {
            anchors.TryAdd(Ed25519KeyFile.ReadPublicKeyFile(path, "root public key"), 0);
        }

        return anchors;
    }
}
