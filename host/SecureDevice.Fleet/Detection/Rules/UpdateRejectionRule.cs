using System.Globalization;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>What an update outcome says about the bundle offered to the device.</summary>
internal enum RejectionKind : byte
{
    /// <summary>Not a security matter (none, confirmed, a download that failed, a wrong product, an old loader...).</summary>
    None = 0,

    /// <summary>Someone offered a bundle that is not what was signed: signature, hash, size or structure wrong, unknown root.</summary>
    Tampered = 1,

    /// <summary>A validly signed bundle older than the device may run: a rollback attempt or a replayed old bundle.</summary>
    Rollback = 2,

    /// <summary>Signed with a revoked key: that key is in someone's hands.</summary>
    RevokedKey = 3,

    /// <summary>
    /// Not an offer: at boot the device found its update journal lost and the only signed slot below its anti-rollback floor,
    /// and refused to run it (fault <c>rollback-refused</c>): its update state was erased and an older image left, or its
    /// flash is failing.
    /// </summary>
    StateErased = 4,
}

/// <summary>
/// <c>update-rejected</c> (trusts the device: it reports what it refused): a tampered bundle or one signed with a revoked
/// key is critical at once; a rollback is a warning, critical from the third rejection within 24 hours; a boot that refused
/// an older signed slot after the device's update state was lost (<see cref="RejectionKind.StateErased"/>) is critical at
/// once. Clears after
/// <see cref="DetectionOptions.RejectionQuietDays"/> days without another.
/// </summary>
internal static class UpdateRejectionRule
{
    /// <summary>The kind of an update outcome's wire code (<see cref="UpdateOutcomeCode"/>); an unknown code is none.</summary>
    public static RejectionKind Classify(int code)
    {
        if (!UpdateOutcomeCode.TryDecode(code, out UpdateOutcome outcome))
        {
            return RejectionKind.None;
        }

        if (outcome == UpdateOutcome.OfferMismatch)
        {
            return RejectionKind.Tampered;
        }

        if (!UpdateOutcomes.IsRejection(outcome))
        {
            return RejectionKind.None;
        }

        return UpdateOutcomes.RejectionReason(outcome) switch
        {
            BundleStatus.DelegationMalformed or BundleStatus.UnknownRoot or BundleStatus.DelegationSignatureInvalid or BundleStatus.ManifestMalformed
                or BundleStatus.ManifestSignatureInvalid or BundleStatus.SignerMismatch or BundleStatus.FileMissing or BundleStatus.FileSizeMismatch
                or BundleStatus.FileHashMismatch or BundleStatus.SignatureMalformed => RejectionKind.Tampered,
            BundleStatus.SecurityVersionRollback or BundleStatus.VersionDowngrade => RejectionKind.Rollback,
            BundleStatus.KeyRevoked => RejectionKind.RevokedKey,
            _ => RejectionKind.None,
        };
    }

    /// <summary>Records a rejection of <paramref name="kind"/> at <paramref name="now"/> and judges it.</summary>
    public static Verdict Record(DeviceState device, RejectionKind kind, int outcome, int now)
    {
        Count(device, kind, now);
        return Judge(device, kind, string.Create(CultureInfo.InvariantCulture,
            $"the device refused an offered bundle: {Name(outcome)} ({Describe(kind)}); {device.Rejections} such rejection(s) in 24 h"));
    }

    /// <summary>
    /// Records a boot that refused an older signed slot because the device's update state was lost (fault
    /// <c>rollback-refused</c>) and judges it: critical at once. The evidence is built here, never from the device's text.
    /// </summary>
    public static Verdict RecordStateErased(DeviceState device, int now)
    {
        Count(device, RejectionKind.StateErased, now);
        return Judge(device, RejectionKind.StateErased, string.Create(CultureInfo.InvariantCulture,
            $"the device found its update state lost and refused to boot an older signed image below its anti-rollback floor ({Describe(RejectionKind.StateErased)}); {device.Rejections} such rejection(s) in 24 h"));
    }

    private static void Count(DeviceState device, RejectionKind kind, int now)
    {
        if (device.RejectionWindowStart == 0 || now - device.RejectionWindowStart >= 86400)
        {
            device.RejectionWindowStart = now;
            device.Rejections = 0;
        }

        device.Rejections = device.Rejections == ushort.MaxValue ? device.Rejections : (ushort)(device.Rejections + 1);
        device.LastRejectionAt = now;
        device.LastRejectionKind = (byte)kind;
    }

    private static Verdict Judge(DeviceState device, RejectionKind kind, string evidence)
    {
        bool critical = kind != RejectionKind.Rollback || device.Rejections >= 3;
        return new Verdict(true, critical ? FindingSeverity.Critical : FindingSeverity.Warning, device.Rejections, 0, evidence);
    }

    /// <summary>True while the last rejection is recent enough to keep the finding open.</summary>
    public static bool Recent(DeviceState device, int now, DetectionOptions options) =>
        device.LastRejectionAt != 0 && now - device.LastRejectionAt < options.RejectionQuietDays * 86400;

    private static string Describe(RejectionKind kind) => kind switch
    {
        RejectionKind.Tampered => "not what was signed: tampered or forged",
        RejectionKind.Rollback => "older than the device may run: rollback or replay",
        RejectionKind.StateErased => "update state erased by someone, or failing flash",
        _ => "signed with a revoked key",
    };

    private static string Name(int code) =>
        UpdateOutcomeCode.TryDecode(code, out UpdateOutcome outcome) ? UpdateOutcomes.Name(outcome) : "code " + code.ToString(CultureInfo.InvariantCulture);
}
