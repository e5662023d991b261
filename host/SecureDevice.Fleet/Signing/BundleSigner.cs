using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Signing;

/// <summary>
/// The one signing pipeline, used by 'securedevice sign', the demo and the simulations:
/// <list type="number">
/// <item>the delegation, parsed by the device's parser; the key must be the delegated key, the root one of the given
/// roots, and the delegation valid at the signing time;</item>
/// <item>every name, version, size and count checked against the manifest format's rules, the entry assembly among the
/// files, no two file names equal when case is ignored (ASCII, ordinal);</item>
/// <item>the delegation's constraints (products, lowest security version) and expiry after creation;</item>
/// <item>the manifest written and parsed back by the device's parser, then signed;</item>
/// <item>a self-check through the device's verifier (<see cref="BundleVerifier.VerifyForInstall"/>,
/// <see cref="InstallPolicy"/>, <see cref="PayloadCheck"/>) over the bytes in memory; and, when an output folder is
/// given, the folder written under a temporary name, read back from disk with <see cref="BundleChecker"/> (the code
/// behind 'securedevice verify') and only then moved into place.</item>
/// </list>
/// A bundle that a device would refuse is never produced: every refusal is a <see cref="FleetException"/>.
/// </summary>
public static class BundleSigner
{
    /// <exception cref="FleetException">The request breaks a rule of the format, the delegation or the device.</exception>
    public static SignedBundle Sign(SigningRequest request)
    {
        Delegation delegation = CheckDelegation(request);
        BundlePayload[] files = CheckFiles(request);
        CheckNames(request, delegation);

        var content = new ManifestContent(request.Product, request.Hardware.ToArray(), request.Version, request.SecurityVersion, request.MinLoaderVersion,
            request.Created, request.Expires, delegation.KeyId, request.Entry.Assembly, request.Entry.Type, request.Entry.Method, request.Revokes.ToArray(),
            files.Select(f => (f.Name, (long)f.Content.Length, SHA256.HashData(f.Content))).ToArray());
        byte[] manifest = ManifestWriter.Write(content);
        var parser = new ManifestParser();
        DocumentStatus status = parser.TryParse(manifest, 0, manifest.Length, out Manifest? parsed);
        if (status != DocumentStatus.Valid || parsed == null)
        {
            throw Invalid("the device would refuse this manifest: " + parser.Describe(status));
        }

        if (!delegation.AllowsProduct(parsed.Product))
        {
            throw Invalid("delegation " + delegation.KeyId + " does not allow product " + parsed.Product);
        }

        if (parsed.SecurityVersion < delegation.MinSecurityVersion)
        {
            throw Invalid("delegation " + delegation.KeyId + " allows security version " + delegation.MinSecurityVersion + " and up only");
        }

        byte[] signature = request.Key.Sign(manifest, 0, manifest.Length);
        var bundle = new SignedBundle(manifest, signature, request.Delegation, files, parsed, delegation);
        SelfCheckInMemory(bundle, request);
        if (request.Output != null)
        {
            WriteChecked(bundle, request.Output, request.Roots, request.Created);
        }

        return bundle;
    }

    private static Delegation CheckDelegation(SigningRequest request)
    {
        var parser = new DelegationParser();
        byte[] bytes = request.Delegation;
        DocumentStatus status = parser.TryParse(bytes, 0, bytes.Length, out Delegation? delegation);
        if (status != DocumentStatus.Valid || delegation == null)
        {
            throw new FleetException(FleetError.InvalidDocument, "delegation: " + parser.Describe(status));
        }

        if (!request.Key.PublicKey.AsSpan().SequenceEqual(delegation.PublicKey))
        {
            throw new FleetException(FleetError.InvalidDocument, "the signing key does not match the public key in delegation " + delegation.KeyId);
        }

        if (request.Roots.IndexOf(delegation.RootFingerprint, 0) < 0)
        {
            throw new FleetException(FleetError.InvalidDocument, "delegation " + delegation.KeyId + " was issued by root "
                + Hex.Encode(delegation.RootFingerprint, 0, TrustAnchors.FingerprintSize) + ", which is not among the roots given");
        }

        if (request.Created < delegation.NotBeforeUnixSeconds)
        {
            throw Invalid("delegation " + delegation.KeyId + " is valid only from " + FleetTime.Format(delegation.NotBeforeUnixSeconds) + "; devices would refuse this bundle until then");
        }

        if (request.Created >= delegation.NotAfterUnixSeconds)
        {
            throw Invalid("delegation " + delegation.KeyId + " has expired; devices would refuse this bundle");
        }

        return delegation;
    }

    private static BundlePayload[] CheckFiles(SigningRequest request)
    {
        if (request.Files.Count < 1 || request.Files.Count > Manifest.MaxFiles)
        {
            throw Invalid("a bundle holds 1 to " + Manifest.MaxFiles + " payload files, got " + request.Files.Count);
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (BundlePayload file in request.Files)
        {
            if (!SafeName.IsAssemblyFileName(file.Name, Manifest.MaxNameLength))
            {
                throw Invalid("payload file name must be 1-48 of [A-Za-z0-9._-] ending in .pe: '" + file.Name + "'");
            }

            // Ordinal, ASCII-only names (checked above): OrdinalIgnoreCase is the device's case-insensitive rule.
            if (!names.Add(file.Name))
            {
                throw Invalid("two payload files are named " + file.Name + " (names differing only in case clash on FAT)");
            }

            if (file.Content.Length < 1 || file.Content.Length > Manifest.MaxFileSize)
            {
                throw Invalid("payload file " + file.Name + " must be 1.." + Manifest.MaxFileSize + " bytes, got " + file.Content.Length);
            }
        }

        if (!names.Contains(request.Entry.Assembly + ".pe") || !request.Files.Any(f => f.Name == request.Entry.Assembly + ".pe"))
        {
            throw Invalid("the entry point names assembly " + request.Entry.Assembly + " but no payload file is " + request.Entry.Assembly + ".pe");
        }

        return request.Files.ToArray();
    }

    private static void CheckNames(SigningRequest request, Delegation delegation)
    {
        Identifier(request.Product, "product");
        if (request.Hardware.Count < 1)
        {
            throw Invalid("at least one hardware model");
        }

        foreach (string model in request.Hardware)
        {
            Identifier(model, "hardware model");
        }

        foreach (string keyId in request.Revokes)
        {
            Identifier(keyId, "revoked key id");
            if (keyId == delegation.KeyId)
            {
                throw Invalid("a bundle cannot revoke " + keyId + ", the key that signs it: devices would refuse its next update by that key");
            }
        }

        if (!AppVersion.TryParse(request.Version, out _))
        {
            throw Invalid("the version must be major.minor.patch (numbers 0..65535), got '" + request.Version + "'");
        }

        if (request.SecurityVersion < 0 || request.SecurityVersion > int.MaxValue || request.MinLoaderVersion < 0 || request.MinLoaderVersion > int.MaxValue)
        {
            throw Invalid("security and loader versions must be 0.." + int.MaxValue);
        }

        if (request.Created < 0 || request.Created > FleetTime.MaxUnixSeconds)
        {
            throw Invalid("the signing time must lie within years 1970..9999");
        }

        if (request.Expires is long expires && (expires <= request.Created || expires > FleetTime.MaxUnixSeconds))
        {
            throw Invalid("the expiry must be after the signing time (" + FleetTime.Format(request.Created) + ") and before the year 10000");
        }
    }

    private static void Identifier(string text, string what)
    {
        if (!SafeName.IsIdentifier(text, Manifest.MaxNameLength))
        {
            throw Invalid(what + " must be 1-48 of [A-Za-z0-9._-] starting with a letter or digit, got '" + text + "'");
        }
    }

    // The device's verifier over the bytes in memory: a failure here is a bug in this pipeline, not bad input.
    private static void SelfCheckInMemory(SignedBundle bundle, SigningRequest request)
    {
        var verifier = new BundleVerifier(request.Roots);
        BundleStatus status = verifier.VerifyForInstall(bundle.Manifest, 0, bundle.Manifest.Length, bundle.Signature, 0, bundle.Signature.Length,
            bundle.Delegation, 0, bundle.Delegation.Length, new RevocationList(), request.Created, true);
        if (status == BundleStatus.Verified)
        {
            status = InstallPolicy.Check(verifier.Manifest, BundleChecker.Unconstrained(verifier.Manifest), request.Created, true);
        }

        var payload = new PayloadCheck();
        for (int i = 0; status == BundleStatus.Verified && i < bundle.Parsed.FileCount; i++)
        {
            BundlePayload file = bundle.Files.First(f => f.Name == bundle.Parsed.Files[i].Name);
            payload.Begin(bundle.Parsed.Files[i]);
            payload.Append(file.Content, 0, file.Content.Length);
            status = payload.Finish();
        }

        if (status != BundleStatus.Verified)
        {
            throw new InvalidOperationException("self-check of the signed bundle failed: " + BundleStatusText.Name(status) + " " + verifier.Detail);
        }
    }

    /// <summary>
    /// Writes a signed bundle into the new folder <paramref name="output"/>: under a temporary name first, read back from
    /// disk with <see cref="BundleChecker"/> at <paramref name="now"/>, and moved into place only when it verifies.
    /// </summary>
    /// <exception cref="FleetException">The folder exists, cannot be written, or what was written does not verify.</exception>
    public static void WriteChecked(SignedBundle bundle, string output, TrustAnchors roots, long now)
    {
        using var staging = new StagingDirectory(output);
        bundle.WriteInto(staging.Path);
        BundleCheckResult check = BundleChecker.Check(staging.Path, roots, new RevocationList(), now);
        if (check.Status != BundleStatus.Verified)
        {
            throw new FleetException(FleetError.Io, "the bundle written to disk does not verify (" + BundleStatusText.Name(check.Status) + ": " + check.Detail + "); nothing was kept");
        }

        staging.Commit();
    }

    private static FleetException Invalid(string message) => new(FleetError.InvalidArgument, message);
}
