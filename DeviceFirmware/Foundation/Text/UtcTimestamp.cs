namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Timestamps as Unix seconds (UTC), and their one accepted text form: RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" with upper-case
    /// T and Z, no fraction and no offset. Calendar arithmetic is done here, without DateTime, so the device and the host
    /// agree to the second.
    /// </summary>
    public static class UtcTimestamp
    {
        /// <summary>Length of the text form.</summary>
        public const int TextLength = 20;

        /// <summary>Parses the text form (years 1970..9999).</summary>
        /// <returns>False for any other form or an impossible date or time (e.g. February 30th, 24:00:00).</returns>
        public static bool TryParse(string text, out long unixSeconds)
        {
            unixSeconds = 0;
            if (text == null || text.Length != TextLength || text[4] != '-' || text[7] != '-' || text[10] != 'T'
                || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
            {
                return false;
            }

            int year = Digits(text, 0, 4);
            int month = Digits(text, 5, 2);
            int day = Digits(text, 8, 2);
            int hour = Digits(text, 11, 2);
            int minute = Digits(text, 14, 2);
            int second = Digits(text, 17, 2);
            if (year < 1970 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
            {
                return false;
            }

            unixSeconds = (DaysFromCivil(year, month, day) * 86400L) + (hour * 3600L) + (minute * 60L) + second;
            return true;
        }

        /// <summary>Formats Unix seconds (0 .. 253402300799) in the text form.</summary>
        /// <exception cref="System.ArgumentOutOfRangeException">Outside years 1970..9999.</exception>
        public static string Format(long unixSeconds)
        {
            if (unixSeconds < 0 || unixSeconds > 253402300799L)
            {
                throw new System.ArgumentOutOfRangeException("unixSeconds");
            }

            long days = unixSeconds / 86400;
            int secondsOfDay = (int)(unixSeconds % 86400);
            int year;
            int month;
            int day;
            CivilFromDays(days, out year, out month, out day);
            char[] text = new char[TextLength];
            Put(text, 0, year, 4);
            text[4] = '-';
            Put(text, 5, month, 2);
            text[7] = '-';
            Put(text, 8, day, 2);
            text[10] = 'T';
            Put(text, 11, secondsOfDay / 3600, 2);
            text[13] = ':';
            Put(text, 14, (secondsOfDay / 60) % 60, 2);
            text[16] = ':';
            Put(text, 17, secondsOfDay % 60, 2);
            text[19] = 'Z';
            return new string(text);
        }

        /// <summary>Days in <paramref name="month"/> (1..12) of the Gregorian <paramref name="year"/>.</summary>
        public static int DaysInMonth(int year, int month)
        {
            if (month == 2)
            {
                bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
                return leap ? 29 : 28;
            }

            return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
        }

        // Howard Hinnant's days_from_civil, restricted to years >= 1970.
        private static long DaysFromCivil(int year, int month, int day)
        {
            int y = month <= 2 ? year - 1 : year;
            int era = y / 400;
            int yearOfEra = y - (era * 400);
            int monthIndex = month > 2 ? month - 3 : month + 9;
            int dayOfYear = ((153 * monthIndex) + 2) / 5 + day - 1;
            int dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
            return (era * 146097L) + dayOfEra - 719468;
        }

        private static void CivilFromDays(long days, out int year, out int month, out int day)
        {
            long z = days + 719468;
            long era = z / 146097;
            int dayOfEra = (int)(z - (era * 146097));
            int yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36524) - (dayOfEra / 146096)) / 365;
            int dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
            int monthIndex = ((5 * dayOfYear) + 2) / 153;
            day = dayOfYear - (((153 * monthIndex) + 2) / 5) + 1;
            month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
            year = (int)(yearOfEra + (era * 400)) + (month <= 2 ? 1 : 0);
        }

        private static int Digits(string text, int index, int count)
        {
            int value = 0;
            for (int i = 0; i < count; i++)
            {
                char c = text[index + i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                value = (value * 10) + (c - '0');
            }

            return value;
        }

        private static void Put(char[] text, int index, int value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                text[index + i] = (char)('0' + (value % 10));
                value /= 10;
            }
        }
    }
}
