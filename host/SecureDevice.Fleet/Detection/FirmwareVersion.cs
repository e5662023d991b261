using System;
using System.Globalization;

namespace SecureDevice.Fleet.Detection;

/// <summary>An application version as health reports carry it: major.minor.patch and the anti-rollback security version.</summary>
public readonly record struct FirmwareVersion(long Major, long Minor, long Patch, long Security) : IComparable<FirmwareVersion>
{
    /// <summary>Orders by major, minor, patch, then security version.</summary>
    public int CompareTo(FirmwareVersion other)
    {
        int c = Major.CompareTo(other.Major);
        c = c != 0 ? c : Minor.CompareTo(other.Minor);
        c = c != 0 ? c : Patch.CompareTo(other.Patch);
        return c != 0 ? c : Security.CompareTo(other.Security);
    }

    /// <summary>"1.2.3 (security 4)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch} (security {Security})");
}
