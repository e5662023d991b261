using System;
using System.Diagnostics;
using System.Globalization;

namespace SecureDevice.InterpreterBenchmark
{
    /// <summary>Native reference figures from <c>openssl speed</c> on the same machine; 0 when OpenSSL is not there.</summary>
    public static class OpenSslReference
    {
        /// <summary>ms to hash <paramref name="bytes"/> bytes with OpenSSL's SHA-256.</summary>
        public static double Sha256Milliseconds(int bytes)
        {
            // The last line is "sha256   <thousands of bytes per second>k".
            string[] fields = LastLineFields(Run("speed -seconds 1 -bytes " + bytes.ToString(CultureInfo.InvariantCulture) + " sha256"), "sha256");
            double kiloBytesPerSecond;
            if (fields == null || !double.TryParse(fields[fields.Length - 1].TrimEnd('k'), NumberStyles.Float, CultureInfo.InvariantCulture, out kiloBytesPerSecond) || kiloBytesPerSecond <= 0)
            {
                return 0;
            }

            return bytes / kiloBytesPerSecond;
        }

        /// <summary>ms per Ed25519 verification with OpenSSL.</summary>
        public static double VerifyMilliseconds()
        {
            // "... EdDSA (Ed25519)   <sign s> <verify s>  <sign/s> <verify/s>".
            string[] fields = LastLineFields(Run("speed -seconds 1 ed25519"), "Ed25519");
            double perSecond;
            if (fields == null || !double.TryParse(fields[fields.Length - 1], NumberStyles.Float, CultureInfo.InvariantCulture, out perSecond) || perSecond <= 0)
            {
                return 0;
            }

            return 1000.0 / perSecond;
        }

        private static string[] LastLineFields(string output, string marker)
        {
            string[] lines = output.Split('\n');
            for (int i = lines.Length - 1; i >= 0; i--)
            {
                if (lines[i].Contains(marker) && !lines[i].StartsWith("Doing", StringComparison.Ordinal))
                {
                    return lines[i].Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                }
            }

            return null;
        }

        private static string Run(string arguments)
        {
            try
            {
                ProcessStartInfo start = new ProcessStartInfo("openssl", arguments)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using (Process process = Process.Start(start))
                {
                    process.StandardError.ReadToEndAsync();
                    string output = process.StandardOutput.ReadToEnd();
                    process.WaitForExit();
                    return process.ExitCode == 0 ? output : string.Empty;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return string.Empty;
            }
        }
    }
}
