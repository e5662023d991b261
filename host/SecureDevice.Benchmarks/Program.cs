using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using SecureDevice.Core.Crypto;

// Trust-anchor benchmark: the portable core's SHA-256/512 and Ed25519 against .NET's platform hashes and OpenSSL's Ed25519,
// measured in the same run. Usage: securedevice-bench [--seconds N]; securedevice-bench --ingest-decode [--seconds N]: the
// fleet service's decode cost per report instead (IngestDecodeFigures); securedevice-bench --rollout-plan [--devices N] [--runs N]:
// recording a group offer's waves on SQLite and PostgreSQL (RolloutPlanFigures); securedevice-bench --store-commit [--reports N]
// [--batch N] [--devices N]: the ingest writer's commit stage alone on SQLite (StoreCommitFigures).
string mode = args.Length > 0 && (args[0] == "--rollout-plan" || args[0] == "--ingest-decode" || args[0] == "--store-commit") ? args[0] : "";
string[] rest = mode.Length == 0 ? args : args[1..];
double seconds = 2.0;
int planDevices = 10_000;
int planRuns = 3;
int commitReports = 300_000;
int commitBatch = 500;
int commitDevices = 1000;
for (int i = 0; i < rest.Length; i += 2)
{
    string option = rest[i];
    string? value = i + 1 < rest.Length ? rest[i + 1] : null;
    bool known = mode == "--rollout-plan" ? option is "--devices" or "--runs"
        : mode == "--store-commit" ? option is "--reports" or "--batch" or "--devices"
        : option == "--seconds";
    if (!known)
    {
        return Usage("unknown argument '" + Printable(option) + "'");
    }

    if (value == null)
    {
        return Usage(option + " needs a value");
    }

    if (mode == "--store-commit")
    {
        int limit = option == "--reports" ? 10_000_000 : option == "--batch" ? 10_000 : 1_000_000;
        int parsedValue = 0;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out parsedValue) || parsedValue < 1 || parsedValue > limit)
        {
            return Usage(option + " must be 1.." + limit.ToString(CultureInfo.InvariantCulture) + ", not '" + Printable(value) + "'");
        }

        if (option == "--reports")
        {
            commitReports = parsedValue;
        }
        else if (option == "--batch")
        {
            commitBatch = parsedValue;
        }
        else
        {
            commitDevices = parsedValue;
        }

        continue;
    }

    bool parsed = option == "--seconds"
        ? double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && seconds >= 0.1 && seconds <= 3600
        : option == "--devices"
            ? int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out planDevices) && planDevices >= 1 && planDevices <= 1_000_000
            : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out planRuns) && planRuns >= 1 && planRuns <= 100;
    if (!parsed)
    {
        return Usage(option + " must be " + (option == "--seconds" ? "0.1..3600" : option == "--devices" ? "1..1000000" : "1..100") + ", not '" + Printable(value) + "'");
    }
}

if (mode == "--rollout-plan")
{
    return SecureDevice.Benchmarks.RolloutPlanFigures.Run(planDevices, planRuns);
}

if (mode == "--store-commit")
{
    return SecureDevice.Benchmarks.StoreCommitFigures.Run(commitReports, commitBatch, commitDevices);
}

bool ingestDecode = mode == "--ingest-decode";
if (ingestDecode)
{
    return SecureDevice.Benchmarks.IngestDecodeFigures.Run(seconds);
}

Console.WriteLine("SecureDevice trust-anchor benchmark (" + Environment.ProcessorCount + " cores, .NET " + Environment.Version + ", " + seconds + " s per figure)");
Console.WriteLine();

byte[] block = new byte[1 << 20];
new Random(1).NextBytes(block);
byte[] digest = new byte[64];

double coreSha256 = Throughput(() => { var h = new Sha256(); h.Append(block, 0, block.Length); h.Finish(digest, 0); }, block.Length, seconds);
double dotnetSha256 = Throughput(() => SHA256.HashData(block), block.Length, seconds);
double coreSha512 = Throughput(() => { var h = new Sha512(); h.Append(block, 0, block.Length); h.Finish(digest, 0); }, block.Length, seconds);
double dotnetSha512 = Throughput(() => SHA512.HashData(block), block.Length, seconds);

var signer = new Ed25519Signer();
byte[] seed = new byte[32];
new Random(2).NextBytes(seed);
byte[] publicKey = new byte[32];
signer.DerivePublicKey(seed, 0, publicKey, 0);
byte[] message = new byte[256];
byte[] signature = new byte[64];
signer.Sign(seed, 0, message, 0, message.Length, signature, 0);

long beforeConstruction = GC.GetAllocatedBytesForCurrentThread();
var verifier = new Ed25519Verifier();
long constructionBytes = GC.GetAllocatedBytesForCurrentThread() - beforeConstruction;
if (verifier.Verify(publicKey, 0, message, 0, message.Length, signature, 0) != Ed25519Status.Valid)
{
    throw new InvalidOperationException("benchmark signature does not verify");
}

const int AllocationRuns = 200;
long beforeVerify = GC.GetAllocatedBytesForCurrentThread();
for (int i = 0; i < AllocationRuns; i++)
{
    verifier.Verify(publicKey, 0, message, 0, message.Length, signature, 0);
}

double bytesPerVerify = (GC.GetAllocatedBytesForCurrentThread() - beforeVerify) / (double)AllocationRuns;
double coreVerify = Rate(() => verifier.Verify(publicKey, 0, message, 0, message.Length, signature, 0), seconds);
double coreSign = Rate(() => signer.Sign(seed, 0, message, 0, message.Length, signature, 0), seconds);
(double opensslSign, double opensslVerify) = OpenSslSpeed(seconds);

Console.WriteLine("{0,-34}{1,14}{2,16}{3,10}", "figure", "core", "reference", "ratio");
Row("SHA-256 MB/s (vs .NET SHA256)", coreSha256, dotnetSha256);
Row("SHA-512 MB/s (vs .NET SHA512)", coreSha512, dotnetSha512);
Row("Ed25519 verify/s (vs OpenSSL)", coreVerify, opensslVerify);
Row("Ed25519 sign/s (vs OpenSSL)", coreSign, opensslSign);
Console.WriteLine();
Console.WriteLine("Ed25519Verifier construction allocates " + constructionBytes + " bytes once; each verify then allocates "
    + bytesPerVerify.ToString("0.#", CultureInfo.InvariantCulture) + " bytes.");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT sha256_mb_s={coreSha256:0.0} dotnet_sha256_mb_s={dotnetSha256:0.0} verify_per_s={coreVerify:0} openssl_verify_per_s={opensslVerify:0} bytes_per_verify={bytesPerVerify:0} verifier_setup_bytes={constructionBytes}"));
return 0;

static void Row(string name, double core, double reference)
{
    string ratio = reference > 0 ? (core / reference).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";
    Console.WriteLine("{0,-34}{1,14}{2,16}{3,10}", name, core.ToString("0.0", CultureInfo.InvariantCulture),
        reference > 0 ? reference.ToString("0.0", CultureInfo.InvariantCulture) : "n/a", ratio);
}

static double Throughput(Action action, int bytesPerRun, double seconds) => Rate(action, seconds) * bytesPerRun / (1024.0 * 1024.0);

static double Rate(Action action, double seconds)
{
    for (int i = 0; i < 3; i++)
    {
        action();
    }

    var watch = Stopwatch.StartNew();
    long runs = 0;
    while (watch.Elapsed.TotalSeconds < seconds)
    {
        action();
        runs++;
    }

    return runs / watch.Elapsed.TotalSeconds;
}

// `openssl speed ed25519` ends with a line "... EdDSA (Ed25519)  <sign s> <verify s>  <sign/s> <verify/s>".
static (double Sign, double Verify) OpenSslSpeed(double seconds)
{
    try
    {
        var start = new ProcessStartInfo("openssl", "speed -seconds " + Math.Max(1, (int)Math.Round(seconds)) + " ed25519")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').LastOrDefault(l => l.Contains("Ed25519", StringComparison.Ordinal));
        if (line == null)
        {
            return (0, 0);
        }

        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(fields[^2], CultureInfo.InvariantCulture), double.Parse(fields[^1], CultureInfo.InvariantCulture));
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return (0, 0);
    }
}

// One line on bad arguments, exit 2, never a stack trace; the argument is shown with control characters escaped.
static int Usage(string problem)
{
    Console.Error.WriteLine("securedevice-bench: " + problem + " (usage: securedevice-bench [--seconds N] | --ingest-decode [--seconds N] | --rollout-plan [--devices N] [--runs N] | --store-commit [--reports N] [--batch N] [--devices N])");
    return 2;
}

static string Printable(string text)
{
    var builder = new System.Text.StringBuilder();
    foreach (char c in text.Length > 64 ? text[..64] + "..." : text)
    {
        builder.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString());
    }

    return builder.ToString();
}
