namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// An application version "major.minor.patch", compared numerically component by component (1.10.0 is newer than 1.9.9).
    /// Each component is a decimal number 0..65535 without leading zeros.
    /// </summary>
    public sealed class AppVersion
    {
        /// <summary>Largest value of one component.</summary>
        public const int MaxComponent = 65535;

        /// <summary>Creates a version; components must be 0..65535.</summary>
        /// <exception cref="System.ArgumentOutOfRangeException">A component is out of range.</exception>
        public AppVersion(int major, int minor, int patch)
        {
            if (major < 0 || major > MaxComponent || minor < 0 || minor > MaxComponent || patch < 0 || patch > MaxComponent)
            {
                throw new System.ArgumentOutOfRangeException("major");
            }

            Major = major;
            Minor = minor;
            Patch = patch;
        }

        /// <summary>Major component.</summary>
        public int Major { get; private set; }

        /// <summary>Minor component.</summary>
        public int Minor { get; private set; }

        /// <summary>Patch component.</summary>
        public int Patch { get; private set; }

        /// <summary>Parses "major.minor.patch" strictly.</summary>
        /// <returns>False for anything else (missing parts, signs, leading zeros, values above 65535, extra text).</returns>
        public static bool TryParse(string text, out AppVersion version)
        {
            version = null;
            if (text == null || text.Length > 17)
            {
                return false;
            }

            int[] parts = new int[3];
            int part = 0;
            int digits = 0;
            int value = 0;
            for (int i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || text[i] == '.')
                {
                    if (digits == 0 || part > 2)
                    {
                        return false;
                    }

                    parts[part++] = value;
                    digits = 0;
                    value = 0;
                    continue;
                }

                char c = text[i];
                if (c < '0' || c > '9' || (digits == 1 && value == 0))
                {
                    return false;
                }

                value = (value * 10) + (c - '0');
                digits++;
                if (value > MaxComponent)
                {
                    return false;
                }
            }

            if (part != 3)
            {
                return false;
            }

            version = new AppVersion(parts[0], parts[1], parts[2]);
            return true;
        }

        /// <summary>Negative when this is older than <paramref name="other"/>, zero when equal, positive when newer.</summary>
        public int CompareTo(AppVersion other)
        {
            if (Major != other.Major)
            {
                return Major < other.Major ? -1 : 1;
            }

            if (Minor != other.Minor)
            {
                return Minor < other.Minor ? -1 : 1;
            }

            if (Patch != other.Patch)
            {
                return Patch < other.Patch ? -1 : 1;
            }

            return 0;
        }

        /// <summary>The "major.minor.patch" form.</summary>
        public override string ToString()
        {
            return Major.ToString() + "." + Minor.ToString() + "." + Patch.ToString();
        }
    }
}
