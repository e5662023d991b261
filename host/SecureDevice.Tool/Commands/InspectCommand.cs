using System.CommandLine;
using System.IO;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;
using SecureDevice.Tool.Signing;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice inspect</c>: prints a bundle's manifest and delegation readably (without verifying them).</summary>
public static class InspectCommand
{
    public static Command Create(ToolConsole console)
    {
        var bundle = new Argument<string>("bundle") { Description = "Bundle folder." };
        var command = new Command("inspect", "Print a bundle's manifest and delegation (not a verification: use 'verify').") { bundle };
        command.SetAction(result =>
        {
            string folder = result.GetValue(bundle)!;
            byte[] manifestBytes = SafeFile.ReadAll(Path.Combine(folder, BundleLayout.Manifest), ManifestParser.MaxManifestBytes, "manifest");
            var parser = new ManifestParser();
            DocumentStatus status = parser.TryParse(manifestBytes, 0, manifestBytes.Length, out Manifest? m);
            if (status != DocumentStatus.Valid)
            {
                throw new ToolException(parser.Describe(status));
            }

            var o = console.Out;
            o.WriteLine("bundle        " + Path.GetFullPath(folder) + "  (NOT verified; run 'securedevice verify')");
            o.WriteLine("product       " + m!.Product);
            o.WriteLine("version       " + m.Version + "  security version " + m.SecurityVersion + "  min loader " + m.MinLoaderVersion);
            o.WriteLine("hardware      " + string.Join(", ", m.Hardware, 0, m.HardwareCount));
            o.WriteLine("created       " + UtcTimestamp.Format(m.CreatedUnixSeconds));
            o.WriteLine("expires       " + (m.ExpiresUnixSeconds < 0 ? "never" : UtcTimestamp.Format(m.ExpiresUnixSeconds)));
            o.WriteLine("entry point   " + m.EntryAssembly + ":" + m.EntryType + "." + m.EntryMethod);
            o.WriteLine("signing key   " + m.KeyId);
            o.WriteLine("revokes       " + (m.RevokeCount == 0 ? "-" : string.Join(", ", m.Revokes, 0, m.RevokeCount)));
            o.WriteLine("files         " + m.FileCount + " (" + m.TotalFileBytes + " bytes)");
            for (int i = 0; i < m.FileCount; i++)
            {
                BundleFile file = m.Files[i];
                o.WriteLine("  " + file.Name.PadRight(32) + " " + file.Size.ToString().PadLeft(9) + "  sha256 " + Hex.Encode(file.Sha256, 0, 32));
            }

            string delegationPath = Path.Combine(folder, BundleLayout.Delegation);
            if (File.Exists(delegationPath))
            {
                byte[] delegationBytes = SafeFile.ReadAll(delegationPath, DelegationParser.MaxFileBytes, "delegation");
                var delegationParser = new DelegationParser();
                DocumentStatus delegationStatus = delegationParser.TryParse(delegationBytes, 0, delegationBytes.Length, out Delegation? d);
                if (delegationStatus != DocumentStatus.Valid)
                {
                    o.WriteLine("delegation    " + delegationParser.Describe(delegationStatus));
                }
                else
                {
                    o.WriteLine("delegation    key " + d!.KeyId + " by root " + Hex.Encode(d.RootFingerprint, 0, TrustAnchors.FingerprintSize)
                        + ", valid " + UtcTimestamp.Format(d.NotBeforeUnixSeconds) + " .. " + UtcTimestamp.Format(d.NotAfterUnixSeconds)
                        + ", security version >= " + d.MinSecurityVersion
                        + ", products " + (d.ProductCount == 0 ? "any" : string.Join(", ", d.Products, 0, d.ProductCount)));
                }
            }

            return 0;
        });
        return command;
    }
}
