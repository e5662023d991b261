using System.CommandLine;
using System.Globalization;
using System.IO;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Signing;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice inspect</c>: prints a bundle's manifest and delegation readably (without verifying them; every value escaped).</summary>
public static class InspectCommand
{
    public static Command Create(ToolConsole console)
    {
        var bundle = new Argument<string>("bundle") { Description = "Bundle folder." };
        var command = new Command("inspect", "Print a bundle's manifest and delegation (not a verification: use 'verify').") { bundle };
        command.SetAction(result =>
        {
            string folder = result.GetValue(bundle)!;
            SafeFileReader.RequireReadableFolder(folder, "bundle folder");
            byte[] manifestBytes = BundleChecker.ReadDocument(folder, BundleLayout.Manifest, ManifestParser.MaxManifestBytes)
                ?? throw new FleetException(FleetError.NotFound, "manifest not found: " + Path.Combine(folder, BundleLayout.Manifest));
            var parser = new ManifestParser();
            DocumentStatus status = parser.TryParse(manifestBytes, 0, manifestBytes.Length, out Manifest? m);
            if (status != DocumentStatus.Valid)
            {
                throw new FleetException(FleetError.InvalidDocument, parser.Describe(status));
            }

            console.Line("bundle        " + Path.GetFullPath(folder) + "  (NOT verified; run 'securedevice verify')");
            console.Line("product       " + m!.Product);
            console.Line("version       " + m.Version + "  security version " + m.SecurityVersion + "  min loader " + m.MinLoaderVersion);
            console.Line("hardware      " + string.Join(", ", m.Hardware, 0, m.HardwareCount));
            console.Line("created       " + FleetTime.Format(m.CreatedUnixSeconds));
            console.Line("expires       " + (m.ExpiresUnixSeconds < 0 ? "never" : FleetTime.Format(m.ExpiresUnixSeconds)));
            console.Line("entry point   " + m.EntryAssembly + ":" + m.EntryType + "." + m.EntryMethod);
            console.Line("signing key   " + m.KeyId);
            console.Line("revokes       " + (m.RevokeCount == 0 ? "-" : string.Join(", ", m.Revokes, 0, m.RevokeCount)));
            console.Line("files         " + m.FileCount + " (" + m.TotalFileBytes + " bytes)");
            for (int i = 0; i < m.FileCount; i++)
            {
                BundleFile file = m.Files[i];
                console.Line("  " + file.Name.PadRight(32) + " " + file.Size.ToString(CultureInfo.InvariantCulture).PadLeft(9) + "  sha256 " + Hex.Encode(file.Sha256, 0, 32));
            }

            byte[]? delegationBytes = BundleChecker.ReadDocument(folder, BundleLayout.Delegation, DelegationParser.MaxFileBytes);
            var delegationParser = new DelegationParser();
            Delegation? parsed = null;
            DocumentStatus delegationStatus = delegationBytes == null ? DocumentStatus.NotParsed
                : delegationParser.TryParse(delegationBytes, 0, delegationBytes.Length, out parsed);
            console.Line("delegation    " + (delegationBytes == null ? "missing"
                : parsed == null ? delegationParser.Describe(delegationStatus)
                : "key " + parsed.KeyId + " by root " + Hex.Encode(parsed.RootFingerprint, 0, TrustAnchors.FingerprintSize) + ", valid "
                    + FleetTime.Format(parsed.NotBeforeUnixSeconds) + " .. " + FleetTime.Format(parsed.NotAfterUnixSeconds) + ", security version >= "
                    + parsed.MinSecurityVersion + ", products " + (parsed.ProductCount == 0 ? "any" : string.Join(", ", parsed.Products, 0, parsed.ProductCount))));
            return 0;
        });
        return command;
    }
}
