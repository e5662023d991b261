using System;
using System.CommandLine;
using System.IO;
using System.Text;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Signing;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice keys new|delegate|anchors</c>.</summary>
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
        var output = new Option<string>("--out") { Description = "Folder to write into (created with mode 0700 when missing).", Required = true };
        var command = new Command("new", "Generate an Ed25519 key pair as PKCS#8 / SubjectPublicKeyInfo PEM files.") { name, output };
        command.SetAction(result =>
        {
            string keyName = CliParsing.Identifier(result.GetValue(name)!, "--name");
            string folder = result.GetValue(output)!;
            string privatePath = Path.Combine(folder, keyName + ".key.pem");
            string publicPath = Path.Combine(folder, keyName + ".pub.pem");
            AtomicFile.EnsureFolder(folder, AtomicFile.PrivateFolderMode);
            AtomicFile.RefuseExisting(privatePath);
            AtomicFile.RefuseExisting(publicPath);
            using SigningKey key = SigningKey.Generate();
            AtomicFile.WriteNew(privatePath, Encoding.ASCII.GetBytes(key.PrivateKeyPem()), AtomicFile.PrivateMode);
            AtomicFile.WriteNew(publicPath, Encoding.ASCII.GetBytes(Ed25519KeyFile.PublicKeyPem(key.PublicKey)), AtomicFile.PublicMode);
            console.Line("wrote " + privatePath + " (0600) and " + publicPath);
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
        var notAfter = new Option<string>("--not-after") { Description = "End of validity (default: one year after the start, at most 9999-12-31)." };
        var output = new Option<string>("--out") { Description = "Delegation file to write (never overwritten).", Required = true };
        var command = new Command("delegate", "Let a root key authorise a signing key (docs/bundle-format.md).")
        {
            root, key, keyId, products, minSecurity, notBefore, notAfter, output,
        };
        command.SetAction(result =>
        {
            string id = CliParsing.Identifier(result.GetValue(keyId)!, "--key-id");
            long start = result.GetValue(notBefore) is string nb ? CliParsing.Time(nb, "--not-before") : console.NowUnixSeconds;
            long end = result.GetValue(notAfter) is string na ? CliParsing.Time(na, "--not-after") : FleetTime.AddCapped(start, DefaultDelegationSeconds);
            long floor = result.GetValue(minSecurity) is string ms ? CliParsing.Count(ms, "--min-security-version", int.MaxValue) : 0;
            string outPath = result.GetValue(output)!;
            AtomicFile.RefuseExisting(outPath);
            byte[] signer = Ed25519KeyFile.ReadPublicKeyFile(result.GetValue(key)!, "signing public key");
            using (SigningKey rootKey = SigningKey.FromFile(result.GetValue(root)!, "root key"))
            {
                byte[] file = rootKey.Delegate(signer, id, result.GetValue(products) ?? Array.Empty<string>(), floor, start, end);
                AtomicFile.WriteNew(outPath, file, AtomicFile.PublicMode);
            }

            if (end <= console.NowUnixSeconds)
            {
                console.ErrorLine("securedevice: warning: this delegation has already expired");
            }

            console.Line("wrote " + outPath + " delegating key " + id + ", valid " + FleetTime.Format(start) + " .. " + FleetTime.Format(end));
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
            string outPath = result.GetValue(output)!;
            int count = TrustRootsWriter.Write(result.GetValue(roots)!, outPath, console.NowUnixSeconds);
            console.Line("wrote " + outPath + " trusting " + count + " root key(s); rebuild and flash the firmware to use it");
            return 0;
        });
        return command;
    }
}
