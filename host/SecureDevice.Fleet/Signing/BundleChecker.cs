using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using SecureDevice.Core.Bundle;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Signing;

/// <summary>Outcome of checking a bundle folder: <see cref="BundleStatus.Verified"/> or the first reason a device would refuse it.</summary>
public sealed record BundleCheckResult(BundleStatus Status, string Detail, Manifest? Manifest, Delegation? Delegation);

/// <summary>
/// Checks a bundle folder with the portable core's code, the same that runs on the device: <see cref="BundleVerifier"/>
/// for the signature chain, <see cref="InstallPolicy"/> for the device fit, <see cref="PayloadCheck"/> for every file.
/// Files are read under <see cref="SafeFileReader"/>'s rule for contained files: a link, a FIFO or a device inside the
/// bundle is refused (a <see cref="FleetException"/>), never followed, waited on or read without limit.
/// </summary>
public static class BundleChecker
{
    /// <summary>Chunk size for hashing payload files, as on the device.</summary>
    public const int ChunkSize = 4096;

    /// <summary>Largest manifest.sig read (the signature is 64 bytes; a longer file is reported by the verifier).</summary>
    public const int MaxSignatureFileBytes = 1024;

    /// <summary>
    /// Reads and checks <paramref name="bundleDirectory"/>. The device fit is checked against a device that constrains
    /// nothing (<see cref="Unconstrained"/>: the bundle's own product and first hardware model, any loader, floor 0)
    /// except what <paramref name="constrain"/> sets.
    /// </summary>
    /// <exception cref="FleetException">The folder cannot be read, or a file in it may not be read (not a regular file, a link, far too large).</exception>
    public static BundleCheckResult Check(string bundleDirectory, TrustAnchors anchors, RevocationList revoked, long now, Action<InstallContext>? constrain = null)
    {
        SafeFileReader.RequireReadableFolder(bundleDirectory, "bundle folder");
        byte[]? manifest = ReadDocument(bundleDirectory, BundleLayout.Manifest, ManifestParser.MaxManifestBytes + 1);
        byte[]? signature = ReadDocument(bundleDirectory, BundleLayout.Signature, MaxSignatureFileBytes);
        byte[]? delegation = ReadDocument(bundleDirectory, BundleLayout.Delegation, DelegationParser.MaxFileBytes + 1);
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
        InstallContext device = Unconstrained(parsed);
        constrain?.Invoke(device);
        status = InstallPolicy.Check(parsed, device, now, true);
        if (status != BundleStatus.Verified)
        {
            return new BundleCheckResult(status, PolicyDetail(status, parsed, device), parsed, verifier.Delegation);
        }

        BundleCheckResult? payload = CheckPayloads(bundleDirectory, parsed);
        return payload is { } failed
            ? failed with { Delegation = verifier.Delegation }
            : new BundleCheckResult(BundleStatus.Verified, "verified", parsed, verifier.Delegation);
    }

    /// <summary>
    /// Hashes every payload file of <paramref name="manifest"/> in <paramref name="bundleDirectory"/> while reading it, at
    /// most the manifest's size + 1 bytes each; null when all match, else the first mismatch.
    /// </summary>
    public static BundleCheckResult? CheckPayloads(string bundleDirectory, Manifest manifest)
    {
        var check = new PayloadCheck();
        byte[] buffer = new byte[ChunkSize];
        for (int i = 0; i < manifest.FileCount; i++)
        {
            BundleFile file = manifest.Files[i];
            string path = Path.Combine(bundleDirectory, file.Name);
            if (SafeFileReader.KindOf(path) == FileKind.Missing)
            {
                return new BundleCheckResult(BundleStatus.FileMissing, "file " + file.Name + " missing", manifest, null);
            }

            check.Begin(file);
            using (SafeFileHandle handle = SafeFileReader.Open(path, "payload file " + file.Name, FileOrigin.Contained))
            {
                long offset = 0;
                int read;
                try
                {
                    while ((read = RandomAccess.Read(handle, buffer, offset)) > 0 && check.Append(buffer, 0, read))
                    {
                        offset += read;
                    }
                }
                catch (IOException error)
                {
                    throw new FleetException(FleetError.Io, "cannot read payload file " + path + ": " + error.Message, error);
                }
            }

            BundleStatus status = check.Finish();
            if (status != BundleStatus.Verified)
            {
                string what = status == BundleStatus.FileSizeMismatch ? "size mismatch for file " : "hash mismatch for file ";
                return new BundleCheckResult(status, what + file.Name, manifest, null);
            }
        }

        return null;
    }

    /// <summary>
    /// A document of the bundle (manifest.json, manifest.sig, signer.delegation) read under the contained-file rule,
    /// or null when it does not exist.
    /// </summary>
    public static byte[]? ReadDocument(string bundleDirectory, string name, long limit)
    {
        string path = Path.Combine(bundleDirectory, name);
        return SafeFileReader.KindOf(path) == FileKind.Missing ? null : SafeFileReader.ReadContained(bundleDirectory, name, limit, name);
    }

    /// <summary>
    /// A device that constrains nothing the operator did not ask for: the bundle's own product and first hardware model,
    /// any loader, no installed version, floor 0.
    /// </summary>
    public static InstallContext Unconstrained(Manifest? manifest) => new()
    {
        Product = manifest?.Product ?? string.Empty,
        HardwareModel = manifest != null && manifest.HardwareCount > 0 ? manifest.Hardware[0] : string.Empty,
        LoaderVersion = int.MaxValue,
        CurrentVersion = null,
        CurrentSecurityVersion = 0,
        SecurityFloor = 0,
    };

    private static string PolicyDetail(BundleStatus status, Manifest manifest, InstallContext device) => status switch
    {
        BundleStatus.WrongProduct => "bundle is for product " + manifest.Product + ", not " + device.Product,
        BundleStatus.WrongHardware => "bundle does not list hardware model " + device.HardwareModel,
        BundleStatus.LoaderTooOld => "bundle needs loader version " + manifest.MinLoaderVersion,
        BundleStatus.ManifestExpired => "manifest expired at " + FleetTime.Format(manifest.ExpiresUnixSeconds),
        BundleStatus.SecurityVersionRollback => "security version " + manifest.SecurityVersion + " is below the current " + device.SecurityFloor,
        BundleStatus.VersionDowngrade => "version " + manifest.Version + " is older than " + device.CurrentVersion,
        BundleStatus.AlreadyInstalled => "version " + manifest.Version + " is already installed",
        _ => BundleStatusText.Name(status),
    };
}
