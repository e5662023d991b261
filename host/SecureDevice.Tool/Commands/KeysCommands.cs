using System;
using System.CommandLine;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;
using SecureDevice.Tool.Signing;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice keys new</c> and <c>securedevice keys delegate</c>.</summary>
public static class KeysCommands
{
    /// <summary>Default delegation lifetime when --not-after is not given.</summary>
    public const long DefaultDelegationSeconds = 365L * 24 * 3600;

    public static Command Create(ToolConsole console)
    {
        var keys = new Command("keys", "Create Ed25519 keys and signer delegations.");
        keys.Subcommands.Add(New(console));
        keys.Subcommands.Add(Delegate(console));
        keys.Subcommands.Add(Anchors(console));
        return keys;
    }

    private static Command New(ToolConsole console)
    {
        var name = new Option<string>("--name") { Description = "Key name: files NAME.key.pem (0600) and NAME.pub.pem.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write into (must exist).", Required = true };
        var command = new Command("new", "Generate an Ed25519 key pair as PKCS#8 / SubjectPublicKeyInfo PEM files.") { name, output };
        command.SetAction(result =>
        {
            string keyName = CliParsing.Identifier(result.GetValue(name)!, "--name");
            string folder = result.GetValue(output)!;
            if (!Directory.Exists(folder))
            {
                throw new ToolException("--out folder does not exist: " + folder);
            }

            string privatePath = Path.Combine(folder, keyName + ".key.pem");
            string publicPath = Path.Combine(folder, keyName + ".pub.pem");
            SafeFile.RefuseExisting(privatePath);
            SafeFile.RefuseExisting(publicPath);
            byte[] seed = RandomNumberGenerator.GetBytes(32);
            try
            {
                byte[] publicKey = Ed25519KeyFile.DerivePublicKey(seed);
                SafeFile.WriteNew(privatePath, Encoding.ASCII.GetBytes(Ed25519KeyFile.PrivateKeyPem(seed)), SafeFile.PrivateMode);
                SafeFile.WriteNew(publicPath, Encoding.ASCII.GetBytes(Ed25519KeyFile.PublicKeyPem(publicKey)), SafeFile.PublicMode);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }

            console.Out.WriteLine("wrote " + privatePath + " (0600) and " + publicPath);
            return 0;
        });
        return command;
    }

    private static Command Delegate(ToolConsole console)
    {
        var root = new Option<string>("--root") { Description = "Root private key (PEM) that signs the delegation.", Required = true };
        var key = new Option<string>("--key") { Description = "Public key (PEM) of the signing key being delegated.", Required = true };
        var keyId = new Option<string>("--key-id") { Description = "Id of the delegated key, named by manifests and revocations.", Required = true };
        var products = new Option<string[]>("--products") { Description = "Products the key may sign for (default: any).", AllowMultipleArgumentsPerToken = true };
        var minSecurity = new Option<string>("--min-security-version") { Description = "Lowest security version the key may sign (default 0)." };
        var notBefore = new Option<string>("--not-before") { Description = "Start of validity, YYYY-MM-DD or RFC 3339 UTC (default: now)." };
        var notAfter = new Option<string>("--not-after") { Description = "End of validity (default: one year after the start)." };
        var output = new Option<string>("--out") { Description = "Delegation file to write (never overwritten).", Required = true };
        var command = new Command("delegate", "Let a root key authorise a signing key (docs/bundle-format.md).")
        {
            root, key, keyId, products, minSecurity, notBefore, notAfter, output,
        };
        command.SetAction(result =>
        {
            string rootPath = result.GetValue(root)!;
            byte[] rootSeed = Ed25519KeyFile.ReadPrivateKey(ReadText(rootPath, "root key"), rootPath);
            string keyPath = result.GetValue(key)!;
            byte[] signerKey = Ed25519KeyFile.ReadPublicKey(ReadText(keyPath, "signing public key"), keyPath);
            string id = CliParsing.Identifier(result.GetValue(keyId)!, "--key-id");
            long start = result.GetValue(notBefore) is string nb ? CliParsing.Time(nb, "--not-before") : console.NowUnixSeconds;
            long end = result.GetValue(notAfter) is string na ? CliParsing.Time(na, "--not-after") : start + DefaultDelegationSeconds;
            long floor = result.GetValue(minSecurity) is string ms ? CliParsing.Count(ms, "--min-security-version", int.MaxValue) : 0;
            string outPath = result.GetValue(output)!;
            SafeFile.RefuseExisting(outPath);
            try
            {
                byte[] file = DelegationWriter.Create(rootSeed, signerKey, id, result.GetValue(products) ?? Array.Empty<string>(), floor, start, end);
                SafeFile.WriteNew(outPath, file, SafeFile.PublicMode);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(rootSeed);
            }

            if (end <= console.NowUnixSeconds)
            {
                console.Error.WriteLine("securedevice: warning: this delegation has already expired");
            }

            console.Out.WriteLine("wrote " + outPath + " delegating key " + id);
            return 0;
        });
        return command;
    }

    private static Command Anchors(ToolConsole console)
    {
        var roots = new Argument<string[]>("roots") { Description = "Root public keys (PEM), 1 to 4.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "C# file to write, e.g. DeviceFirmware/Platform/TrustRoots.cs (never overwritten).", Required = true };
        var command = new Command("anchors", "Write the loader's compiled-in trust roots (DeviceFirmware/Platform/TrustRoots.cs) for these root keys.")
        {
            roots, output,
        };
        command.SetAction(result =>
        {
            string[] paths = result.GetValue(roots)!;
            if (paths.Length > SecureDevice.Core.Bundle.TrustAnchors.MaxRoots)
            {
                throw new ToolException("a loader trusts at most " + SecureDevice.Core.Bundle.TrustAnchors.MaxRoots + " roots");
            }

            var anchors = new SecureDevice.Core.Bundle.TrustAnchors();
            var lines = new StringBuilder();
            foreach (string path in paths)
            {
                byte[] publicKey = Ed25519KeyFile.ReadPublicKey(ReadText(path, "root public key"), path);
                if (!anchors.TryAdd(publicKey, 0))
                {
                    throw new ToolException("root key given twice: " + path);
                }

                byte[] fingerprint = new byte[SecureDevice.Core.Bundle.TrustAnchors.FingerprintSize];
                SecureDevice.Core.Bundle.TrustAnchors.Fingerprint(publicKey, 0, fingerprint, 0);
                lines.Append("            \"").Append(Convert.ToHexStringLower(publicKey)).Append("\", // root ")
                    .Append(Convert.ToHexStringLower(fingerprint)).Append(" from ").Append(Path.GetFileName(path)).Append('\n');
            }

            string outPath = result.GetValue(output)!;
            SafeFile.WriteNew(outPath, Encoding.UTF8.GetBytes(TrustRootsSource(lines.ToString(), console.NowUnixSeconds)), SafeFile.PublicMode);
            console.Out.WriteLine("wrote " + outPath + " trusting " + paths.Length + " root key(s); rebuild and flash the firmware to use it");
            return 0;
        });
        return command;
    }

    private static string TrustRootsSource(string keyLines, long now) =>
        "namespace SecureDevice.Platform\n{\n"
        + "    /// <summary>\n"
        + "    /// The root public keys this loader trusts for updates, compiled into the loader so that nothing an application can\n"
        + "    /// write can change them. Generated by securedevice keys anchors on " + SecureDevice.Core.Text.UtcTimestamp.Format(now) + ".\n"
        + "    /// </summary>\n"
        + "    internal static class TrustRoots\n    {\n"
        + "        /// <summary>Ed25519 root public keys, 64 lower-case hex digits each (at most 4).</summary>\n"
        + "        internal static readonly string[] PublicKeys = new string[]\n        {\n"
        + keyLines
        + "        };\n    }\n}\n";

    internal static string ReadText(string path, string what) => Encoding.ASCII.GetString(SafeFile.ReadAll(path, 16 * 1024, what));
}
