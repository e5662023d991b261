namespace SecureDevice.Tests.Support
{
    /// <summary>String helpers nanoFramework lacks (it has no string.Replace).</summary>
    public static class TestText
    {
        /// <summary>Replaces the first occurrence of <paramref name="oldValue"/>; fails loudly when there is none.</summary>
        public static string ReplaceFirst(string text, string oldValue, string newValue)
        {
            int at = text.IndexOf(oldValue);
            if (at < 0)
            {
                throw new System.ArgumentException("not found: " + oldValue);
            }

            return text.Substring(0, at) + newValue + text.Substring(at + oldValue.Length);
        }
    }
}
