using System.Globalization;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>certificate-expiry</c> (trust-free: the registry's expiry): warning within
/// <see cref="DetectionOptions.CertificateWarningDays"/> days, critical within 7 days and once expired (the broker then
/// refuses the device and it backs off for up to a day between attempts).
/// </summary>
internal static class CertificateExpiryRule
{
    /// <summary>Days from which the finding is critical.</summary>
    public const int CriticalDays = 7;

    public static Verdict Evaluate(DeviceState device, int now, DetectionOptions options)
    {
        if (device.CertificateNotAfter == 0)
        {
            return Verdict.Normal(0, options.CertificateWarningDays);
        }

        double days = (device.CertificateNotAfter - (double)now) / 86400;
        if (days > options.CertificateWarningDays)
        {
            return Verdict.Normal(days, options.CertificateWarningDays);
        }

        string evidence = days <= 0
            ? string.Create(CultureInfo.InvariantCulture, $"certificate expired {-days:0.#} days ago ({Stamp.ToTime(device.CertificateNotAfter):yyyy-MM-dd}); the broker refuses it")
            : string.Create(CultureInfo.InvariantCulture, $"certificate expires in {days:0.#} days ({Stamp.ToTime(device.CertificateNotAfter):yyyy-MM-dd}); provision a new one");
        return new Verdict(true, days <= CriticalDays ? FindingSeverity.Critical : FindingSeverity.Warning, days, options.CertificateWarningDays, evidence);
    }
}
