using System.IO;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Tool.Files;

namespace SecureDevice.Tool.Signing;

/// <summary>Outcome of checking a bundle folder.</summary>
public sealed record BundleCheckResult(BundleStatus Status, string Detail, Manifest? Manifest, Delegation? Delegation);

/// <summary>
/// Checks a bundle folder with the portable core's code, the same that runs on the device: <see cref="BundleVerifier"/>
/// for the signature chain, <see cref="InstallPolicy"/> for the device fit, <see cref="PayloadCheck"/> for every file.
/// </summary>
public static class BundleChecker
{
    /// <summary>Chunk size for hashing payload files, as on the device.</summary>
    public const int ChunkSize = 4096;

    /// <summary>Reads and checks <paramref name="bundleDirectory"/>.</summary>
    public static BundleCheckResult Check(string bundleDirectory, TrustAnchors anchors, RevocationList revoked, long now, InstallContext device)
    {
        if (!Directory.Exists(bundleDirectory))
        {
            return new BundleCheckResult(BundleStatus.FileMissing, "bundle folder not found: " + bundleDirectory, null, null);
        }

        byte[]? manifest = ReadPart(bundleDirectory, BundleLayout.Manifest, ManifestParser.MaxManifestBytes + 1);
        byte[]? signature = ReadPart(bundleDirectory, BundleLayout.Signature, 1024);
        byte[]? delegation = ReadPart(bundleDirectory, BundleLayout.Delegation, DelegationParser.MaxFileBytes + 1);
        if (manifest == null || signature == null || delegation == null)
        {
            string missing = manifest == null ? BundleLayout.Manifest : signature == null ? BundleLayout.Signature : BundleLayout.Delegation;
            return new BundleCheckResult(BundleStatus.FileMissing, missing + " missing", null, null);
        }

        var verifier = new BundleVerifier(anchors);
        BundleStatus status = verifier.VerifyForInstall(manifest, 0, manifest.Length, signature, 0, signature.Length,
            delegation, 0, delegation.Length, revoked, now, true);
        if (status != BundleStatus.Verified)
        {
            return new BundleCheckResult(status, verifier.Detail ?? BundleStatusText.Name(status), null, verifier.Delegation);
        }

        Manifest parsed = verifier.Manifest!;
        status = InstallPolicy.Check(parsed, device, now, true);
        if (status != BundleStatus.Verified)
        {
            return new BundleCheckResult(status, PolicyDetail(status, parsed, device), parsed, verifier.Delegation);
        }

        var check = new PayloadCheck();
        byte[] buffer = new byte[ChunkSize];
        for (int i = 0; i < parsed.FileCount; i++)
        {
            BundleFile file = parsed.Files[i];
            string path = Path.Combine(bundleDirectory, file.Name);
            if (!File.Exists(path))
            {
                return new BundleCheckResult(BundleStatus.FileMissing, "file " + file.Name + " missing", parsed, verifier.Delegation);
            }

            check.Begin(file);
            using (FileStream stream = File.OpenRead(path))
            {
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (!check.Append(buffer, 0, read))
                    {
                        break;
                    }
                }
            }

            status = check.Finish();
            if (status != BundleStatus.Verified)
            {
                string what = status == BundleStatus.FileSizeMismatch ? "size mismatch for file " : "hash mismatch for file ";
                return new BundleCheckResult(status, what + file.Name, parsed, verifier.Delegation);
            }
        }

        return new BundleCheckResult(BundleStatus.Verified, "verified", parsed, verifier.Delegation);
    }

    private static byte[]? ReadPart(string directory, string name, long limit)
    {
        string path = Path.Combine(directory, name);
        if (!File.Exists(path))
        {
            return null;
        }

        return SafeFile.ReadAll(path, limit, name);
    }

    private static string PolicyDetail(BundleStatus status, Manifest manifest, InstallContext device) => status switch
    {
        BundleStatus.WrongProduct => "bundle is for product " + manifest.Product + ", not " + device.Product,
        BundleStatus.WrongHardware => "bundle does not list hardware model " + device.HardwareModel,
        BundleStatus.LoaderTooOld => "bundle needs loader version " + manifest.MinLoaderVersion,
        BundleStatus.ManifestExpired => "manifest expired at " + UtcTimestamp.Format(manifest.ExpiresUnixSeconds),
        BundleStatus.SecurityVersionRollback => "security version " + manifest.SecurityVersion + " is below the current " + device.SecurityFloor,
        BundleStatus.VersionDowngrade => "version " + manifest.Version + " is older than " + device.CurrentVersion,
        BundleStatus.AlreadyInstalled => "version " + manifest.Version + " is already installed",
        _ => BundleStatusText.Name(status),
    };
}
