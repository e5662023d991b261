using System;
using System.Diagnostics;
using System.Globalization;
using SecureDevice.Core.Crypto;

namespace SecureDevice.InterpreterBenchmark
{
    /// <summary>
    /// Times the portable core's SHA-256, SHA-512 and Ed25519 verify as the device runs them: one reused instance, no
    /// allocation per operation. Built for net472 (run it with <c>mono --interpreter</c>, the proxy for nanoCLR, or plain
    /// <c>mono</c>) and for net10.0 (.NET's JIT). Each figure is the best of several samples of about a second, in ms of
    /// this process's CPU time per operation (the unit; on a shared machine it is far steadier than the clock,
    /// which also counts the time other processes hold the cores), with the wall-clock best beside it.
    /// Usage: SecureDevice.InterpreterBenchmark [--samples N] [--label TEXT] [--no-openssl] [--untimed OPERATION COUNT]
    /// <c>--untimed sha256|sha512|verify COUNT</c> runs one operation COUNT times and times nothing: for an instruction
    /// counter such as <c>valgrind --tool=callgrind</c>, which gives the same figure whatever else the machine is doing.
    /// </summary>
    public static class Program
    {
        private const int HashInputBytes = 64 * 1024;
        private const int MessageBytes = 256;
        private const double SampleSeconds = 1.0;
        private const string Usage = "usage: SecureDevice.InterpreterBenchmark [--samples N] [--label TEXT] [--no-openssl] [--untimed sha256|sha512|verify COUNT]";

        public static int Main(string[] args)
        {
            int samples = 5;
            string label = null;
            bool openSsl = true;
            string untimed = null;
            int untimedCount = 0;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--samples" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out samples) && samples > 0)
                {
                    i++;
                }
                else if (args[i] == "--label" && i + 1 < args.Length)
                {
                    label = args[++i];
                }
                else if (args[i] == "--untimed" && i + 2 < args.Length && int.TryParse(args[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out untimedCount))
                {
                    untimed = args[i + 1];
                    i += 2;
                }
                else if (args[i] == "--no-openssl")
                {
                    openSsl = false;
                }
                else
                {
                    Console.Error.WriteLine(Usage);
                    return 2;
                }
            }

            if (untimed != null)
            {
                return RunUntimed(untimed, untimedCount);
            }

            string runtime = label ?? RuntimeName();
            Console.WriteLine("SecureDevice crypto at interpreter speed: " + runtime + ", best of " + samples + " samples");

            Workload work = new Workload();
            string failure = work.SelfCheck();
            if (failure != null)
            {
                Console.Error.WriteLine("self-check failed: " + failure);
                return 1;
            }

            double wall256, wall512, wallVerify;
            double sha256 = BestMilliseconds(work.Sha256Once, samples, out wall256);
            double sha512 = BestMilliseconds(work.Sha512Once, samples, out wall512);
            double verify = BestMilliseconds(work.VerifyOnce, samples, out wallVerify);
            Console.WriteLine("{0,-28}{1,14}{2,14}", "CPU time per operation", "CPU", "wall clock");
            Console.WriteLine(Row("SHA-256, 64 KiB", sha256, wall256) + "   (" + Format(HashInputBytes / 1048.576 / sha256) + " MB/s)");
            Console.WriteLine(Row("SHA-512, 64 KiB", sha512, wall512) + "   (" + Format(HashInputBytes / 1048.576 / sha512) + " MB/s)");
            Console.WriteLine(Row("Ed25519 verify, " + MessageBytes + " B", verify, wallVerify));

            string result = "RESULT runtime=" + runtime.Replace(' ', '_') + " timer=cpu"
                + " sha256_64k_ms=" + Format(sha256)
                + " sha512_64k_ms=" + Format(sha512)
                + " ed25519_verify_ms=" + Format(verify);
            if (openSsl)
            {
                double referenceSha256 = OpenSslReference.Sha256Milliseconds(HashInputBytes);
                double referenceVerify = OpenSslReference.VerifyMilliseconds();
                if (referenceSha256 > 0 && referenceVerify > 0)
                {
                    Console.WriteLine(Row("OpenSSL SHA-256, 64 KiB", referenceSha256, 0));
                    Console.WriteLine(Row("OpenSSL Ed25519 verify", referenceVerify, 0));
                    Console.WriteLine("verify / OpenSSL: " + Format(verify / referenceVerify) + "x");
                    result += " openssl_sha256_64k_ms=" + Format(referenceSha256) + " openssl_verify_ms=" + Format(referenceVerify);
                }
                else
                {
                    Console.WriteLine("OpenSSL reference: not available");
                }
            }

            Console.WriteLine(result);
            return 0;
        }

        private static int RunUntimed(string operation, int count)
        {
            Workload work = new Workload();
            Action action = operation == "sha256" ? work.Sha256Once : operation == "sha512" ? work.Sha512Once : operation == "verify" ? (Action)work.VerifyOnce : null;
            if (action == null)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            for (int i = 0; i < count; i++)
            {
                action();
            }

            Console.WriteLine("ran " + operation + " " + count + " times");
            return 0;
        }

        // Mono names itself through the Mono.Runtime type; the interpreter is a command-line choice, so --label says it.
        private static string RuntimeName()
        {
            Type mono = Type.GetType("Mono.Runtime");
            return mono != null ? "mono-" + Environment.Version : "dotnet-" + Environment.Version;
        }

        // Best CPU ms per operation; bestWall is the best wall-clock ms. Process CPU time ticks in 10 ms steps on Mono,
        // hence samples of about a second.
        private static double BestMilliseconds(Action operation, int samples, out double bestWall)
        {
            // Warm-up, and a first estimate of how many operations fill one sample.
            Stopwatch watch = Stopwatch.StartNew();
            operation();
            operation();
            double estimate = watch.Elapsed.TotalSeconds / 2;
            int perSample = Math.Max(1, (int)(SampleSeconds / Math.Max(estimate, 1e-7)));
            Process self = Process.GetCurrentProcess();
            double best = double.MaxValue;
            bestWall = double.MaxValue;
            for (int s = 0; s < samples; s++)
            {
                self.Refresh();
                TimeSpan cpuBefore = self.TotalProcessorTime;
                watch.Restart();
                for (int i = 0; i < perSample; i++)
                {
                    operation();
                }

                double wall = watch.Elapsed.TotalMilliseconds;
                self.Refresh();
                best = Math.Min(best, (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / perSample);
                bestWall = Math.Min(bestWall, wall / perSample);
            }

            return best;
        }

        private static string Format(double value)
        {
            return value.ToString(value < 1 ? "0.0000" : "0.000", CultureInfo.InvariantCulture);
        }

        private static string Row(string name, double cpu, double wall)
        {
            return string.Format(CultureInfo.InvariantCulture, "{0,-28}{1,14}{2,14}", name, Format(cpu) + " ms", wall > 0 ? Format(wall) + " ms" : "");
        }
    }
}
