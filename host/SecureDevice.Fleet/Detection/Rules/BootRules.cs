using System.Globalization;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>reboot-loop</c> and <c>unclean-boots</c> (trust the device: boot counts and reasons are reported). Boots count as
/// the firmware's own reboot-loop breaker counts them: unclean (crash, watchdog, brown-out, power loss), fault and
/// unknown boots, not the planned ones (update, revert, command, deep-sleep wake); unlike the firmware, which counts it to
/// be safe, not the first boot after provisioning either. Each boot number counts once, whether a report or a fault
/// event names it; boots between two reports whose reasons are unknown count too.
/// </summary>
internal static class BootRules
{
    /// <summary>True when a boot for <paramref name="reason"/> counts.</summary>
    public static bool Counts(int reason) => reason is (int)BootReason.Unclean or (int)BootReason.Fault or (int)BootReason.Unknown;

    /// <summary><c>reboot-loop</c>: <see cref="DetectionOptions.RebootLoopBoots"/> counted boots within the window, or safe mode.</summary>
    public static Verdict RebootLoop(DeviceState device, int now, DetectionOptions options)
    {
        int boots = Within(device, now, options.RebootLoopSeconds);
        bool safeMode = (device.LastFlags & HealthFlags.SafeMode) != 0 && device.LastReportAt != 0 && now - device.LastReportAt <= options.RebootLoopSeconds;
        if (boots < options.RebootLoopBoots && !safeMode)
        {
            return Verdict.Normal(boots, options.RebootLoopBoots);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{boots} unclean or fault boots in the last {options.RebootLoopSeconds / 60} min{(safeMode ? "; the firmware reports safe mode (its own reboot-loop breaker)" : string.Empty)}; boot count {device.LastBootCount}");
        return new Verdict(true, FindingSeverity.Critical, boots, options.RebootLoopBoots, evidence);
    }

    /// <summary><c>unclean-boots</c>: <see cref="DetectionOptions.UncleanBootsPerDay"/> counted boots within 24 hours.</summary>
    public static Verdict UncleanBoots(DeviceState device, int now, DetectionOptions options)
    {
        int boots = Within(device, now, 86400);
        if (boots < options.UncleanBootsPerDay)
        {
            return Verdict.Normal(boots, options.UncleanBootsPerDay);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{boots} unclean or fault boots in 24 h (crash, watchdog, brown-out or power loss); boot count {device.LastBootCount}");
        return new Verdict(true, FindingSeverity.Warning, boots, options.UncleanBootsPerDay, evidence);
    }

    private static int Within(DeviceState device, int now, int seconds)
    {
        int count = 0;
        for (int i = 0; i < DeviceState.BootRingSize; i++)
        {
            int at = device.Boots[i];
            count += at != 0 && now - at < seconds ? 1 : 0;
        }

        return count;
    }
}
