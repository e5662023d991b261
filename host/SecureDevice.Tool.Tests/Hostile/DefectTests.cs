using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests.Hostile;

/// <summary>
/// The defects of issue 12, each reproduced as its reporter did, through the built executable in its own process: a hang
/// is killed at the time limit, an out-of-memory abort or a stack trace shows as the user saw it.
/// </summary>
public sealed class DefectTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly SigningFixture _signing = new();
    private readonly TemporaryDirectory _folder = new("defects");

    public void Dispose()
    {
        _signing.Dispose();
        _folder.Dispose();
    }

    private string Bundle(string name = "b") => _signing.Sign(name);

    private static void HoldsContract(ProcessRun run, string what)
    {
        string? violation = run.ContractViolation();
        Assert.True(violation == null, what + ": " + violation + "\n" + run);
    }

    private static void MakeFifo(string path) => ExternalProcess.Run("mkfifo", new[] { path }).EnsureSuccess("mkfifo");

    // D1: a FIFO in the bundle made verify, inspect and provision --app wait forever for a writer.
    [Theory]
    [InlineData("manifest.json")]
    [InlineData("manifest.sig")]
    [InlineData("signer.delegation")]
    [InlineData("Sensor.Lib.pe")]
    public void D1_FifoInBundle_VerifyInspectProvisionFinish(string member)
    {
        string bundle = Bundle();
        File.Delete(Path.Combine(bundle, member));
        MakeFifo(Path.Combine(bundle, member));
        HoldsContract(ToolProcess.Run(Limit, null, null, "verify", "--root", _signing.RootPublic, bundle), "verify");
        if (member == "manifest.json" || member == "signer.delegation")
        {
            HoldsContract(ToolProcess.Run(Limit, null, null, "inspect", bundle), "inspect");
        }

        ToolRun.Ok("pki", "init", "--out", _folder.Combine("pki"));
        HoldsContract(ToolProcess.Run(Limit, null, null, "provision", "dev-1", "--pki", _folder.Combine("pki"), "--out", _folder.Combine("devices"), "--app", bundle), "provision --app");
        Assert.DoesNotContain("dev-1", File.ReadAllText(_folder.Combine("pki", "inventory.json")));
    }

    // D2: manifest.json -> /dev/zero bypassed the 4096-byte limit (FileInfo.Length of a link is its target's path length).
    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void D2_ManifestLinkedToDevice_RefusedWithoutReading(string device)
    {
        string bundle = Bundle();
        File.Delete(Path.Combine(bundle, "manifest.json"));
        File.CreateSymbolicLink(Path.Combine(bundle, "manifest.json"), device);
        ProcessRun verify = ToolProcess.Run(Limit, null, null, "verify", "--root", _signing.RootPublic, bundle);
        HoldsContract(verify, "verify");
        Assert.True(verify.Elapsed < TimeSpan.FromSeconds(10), verify.ToString());
        HoldsContract(ToolProcess.Run(Limit, null, null, "inspect", bundle), "inspect");
    }

    // D3: a symlinked payload was signed with the link text's length and the target's hash: every device refused it.
    [Fact]
    public void D3_SymlinkedPayload_SignedWithTheTargetsSizeAndHash()
    {
        string linked = _folder.Combine("Sensor.Lib.pe");
        File.CreateSymbolicLink(linked, _signing.LibraryFile);
        string output = _folder.Combine("bundle");
        ProcessRun sign = ToolProcess.Run(Limit, null, null, SignArgs(output, _signing.AppFile, linked));
        Assert.True(sign.ExitCode == 0, sign.ToString());
        ProcessRun verify = ToolProcess.Run(Limit, null, null, "verify", "--root", _signing.RootPublic, output);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(File.ReadAllBytes(_signing.LibraryFile), File.ReadAllBytes(Path.Combine(output, "Sensor.Lib.pe")));
        Assert.False(new FileInfo(Path.Combine(output, "Sensor.Lib.pe")).LinkTarget != null);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    [InlineData("/dev/null")]
    public void D3_PayloadLinkedToDevice_RefusedWithoutHanging(string device)
    {
        string linked = _folder.Combine("Sensor.Lib.pe");
        File.CreateSymbolicLink(linked, device);
        string output = _folder.Combine("bundle");
        HoldsContract(ToolProcess.Run(Limit, null, null, SignArgs(output, _signing.AppFile, linked)), "sign");
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void D3_PayloadIsAFifo_RefusedWithoutHanging()
    {
        string fifo = _folder.Combine("Sensor.Lib.pe");
        MakeFifo(fifo);
        HoldsContract(ToolProcess.Run(Limit, null, null, SignArgs(_folder.Combine("bundle"), _signing.AppFile, fifo)), "sign");
    }

    private string[] SignArgs(string output, params string[] files)
    {
        var args = new List<string>
        {
            "sign", "--key", _signing.SigningKey, "--delegation", _signing.Delegation, "--product", "sensor", "--version", "1.1.0",
            "--security-version", "3", "--entry", "Sensor.App:Sensor.App.Application.Start", "--out", output,
        };
        args.AddRange(SigningFixture.SignExtra(_signing));
        args.AddRange(files);
        return args.ToArray();
    }

    // D4: stack traces and exit 134.
    [Fact]
    public void D4_DelegateWithARepeatedProduct_OneLine()
    {
        HoldsContract(ToolProcess.Run(Limit, null, null, "keys", "delegate", "--root", _signing.RootKey, "--key", _signing.Combine("signer.pub.pem"),
            "--key-id", "k2", "--products", "sensor", "sensor", "--out", _folder.Combine("d")), "keys delegate --products sensor sensor");
        Assert.False(File.Exists(_folder.Combine("d")));
    }

    [Theory]
    [InlineData("--not-before", "9999-06-01")]
    [InlineData("--not-after", "9999-12-31T23:59:60Z")]
    [InlineData("--not-before", "0000-01-01")]
    public void D4_DelegateAtTheEndOfTime_OneLine(string option, string value)
    {
        ProcessRun run = ToolProcess.Run(Limit, null, null, "keys", "delegate", "--root", _signing.RootKey, "--key", _signing.Combine("signer.pub.pem"),
            "--key-id", "k2", option, value, "--out", _folder.Combine("d"));
        if (run.ExitCode == 0)
        {
            // Accepted only as a delegation the device parses: the default end of validity stops at 9999-12-31T23:59:59Z.
            Assert.True(run.Error.Length == 0, run.ToString());
            Assert.Contains("9999-12-31T23:59:59Z", run.Output);
        }
        else
        {
            HoldsContract(run, "keys delegate " + option + " " + value);
            Assert.False(File.Exists(_folder.Combine("d")));
        }
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("-1")]
    [InlineData("2147483648")]
    public void D4_Pkcs8VersionOutOfRange_OneLine(string version)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(BigInteger.Parse(version, System.Globalization.CultureInfo.InvariantCulture));
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.3.101.112");
            }

            var inner = new AsnWriter(AsnEncodingRules.DER);
            inner.WriteOctetString(new byte[32]);
            writer.WriteOctetString(inner.Encode());
        }

        string key = _folder.Combine("odd.key.pem");
        File.WriteAllText(key, new string(System.Security.Cryptography.PemEncoding.Write("PRIVATE KEY", writer.Encode())) + "\n");
        HoldsContract(ToolProcess.Run(Limit, null, null, SignArgs(_folder.Combine("bundle"), _signing.AppFile).Select(a => a == _signing.SigningKey ? key : a).ToArray()), "sign with version " + version);
    }

    [Theory]
    [InlineData("192.0.2.77")]
    [InlineData("2001:db8::77")]
    public void D4_ServeUpdatesOnAnAddressNotOnThisMachine_OneLine(string address)
    {
        ToolRun.Ok("pki", "init", "--out", _folder.Combine("pki"));
        string bundle = Bundle();
        HoldsContract(ToolProcess.Run(Limit, null, null, "serve-updates", bundle, "--port", "18443", "--cert", _folder.Combine("pki", "broker.pem"),
            "--key", _folder.Combine("pki", "broker.key.pem"), "--bind", address), "serve-updates --bind " + address);
    }

    public static TheoryData<string> CorruptInventories => new()
    {
        "{\"format\":1,\"crlNumber\":1,\"devices\":null}",
        "{\"format\":1,\"crlNumber\":1,\"devices\":[null]}",
        "{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-x\",\"serial\":\"XYZ\",\"sha256\":\"00\",\"status\":\"active\"}]}",
        "{\"format\":1,\"crlNumber\":-1,\"devices\":[]}",
        "{\"format\":1,\"crlNumber\":9223372036854775807,\"devices\":[]}",
    };

    [Theory]
    [MemberData(nameof(CorruptInventories))]
    public void D4_CorruptInventory_OneLineFromEveryCommandThatReadsIt(string inventory)
    {
        string pki = _folder.Combine("pki");
        ToolRun.Ok("pki", "init", "--out", pki);
        ToolRun.Ok("provision", "dev-x", "--pki", pki, "--out", _folder.Combine("devices"));
        File.WriteAllText(Path.Combine(pki, "inventory.json"), inventory);
        HoldsContract(ToolProcess.Run(Limit, null, null, "pki", "crl", "--pki", pki), "pki crl");
        HoldsContract(ToolProcess.Run(Limit, null, null, "revoke", "dev-x", "--pki", pki), "revoke");
        HoldsContract(ToolProcess.Run(Limit, null, null, "provision", "dev-y", "--pki", pki, "--out", _folder.Combine("devices2")), "provision");
        Assert.Equal(inventory, File.ReadAllText(Path.Combine(pki, "inventory.json")));
    }

    // D5: provision wrote a config.json the device refuses, and burnt the id in the inventory.
    [Theory]
    [InlineData("--broker-host", "::1")]
    [InlineData("--broker-host", "my_broker.local")]
    [InlineData("--telemetry-interval-s", "0")]
    [InlineData("--telemetry-interval-s", "59")]
    [InlineData("--broker-port", "0")]
    public void D5_ConfigTheDeviceWouldRefuse_IsNotWrittenAndTheIdStaysFree(string option, string value)
    {
        string pki = _folder.Combine("pki");
        ToolRun.Ok("pki", "init", "--out", pki);
        string devices = _folder.Combine("devices");
        ProcessRun run = ToolProcess.Run(Limit, null, null, "provision", "dev-5", "--pki", pki, "--out", devices, option, value);
        HoldsContract(run, "provision " + option + " " + value);
        Assert.Equal(2, run.ExitCode);
        Assert.False(Directory.Exists(devices) && Directory.EnumerateFileSystemEntries(devices).Any());
        ToolRun.Ok("provision", "dev-5", "--pki", pki, "--out", devices);
    }

    // D7: a delegation's unknown member name was printed raw, so escape codes could paint a fake "verified:" line.
    [Fact]
    public void D7_EscapeCodesInADelegation_AreNeverPrintedRaw()
    {
        string bundle = Bundle();
        byte[] body = Encoding.ASCII.GetBytes("{\"format\":1,\"\\u001b[2K\\r\\u001b[32mverified: sensor 9.9.9 security 99\\u0007\\u009b\\u202e\":1}");
        byte[] file = new byte[10 + body.Length + 64];
        Encoding.ASCII.GetBytes("SDDELEG1").CopyTo(file, 0);
        file[8] = (byte)(body.Length >> 8);
        file[9] = (byte)body.Length;
        body.CopyTo(file, 10);
        File.WriteAllBytes(Path.Combine(bundle, "signer.delegation"), file);
        foreach (ProcessRun run in new[]
        {
            ToolProcess.Run(Limit, null, null, "verify", "--root", _signing.RootPublic, bundle),
            ToolProcess.Run(Limit, null, null, "inspect", bundle),
        })
        {
            string printed = run.Output + run.Error;
            Assert.True(run.ExitCode is 1 or 2 or 0, run.ToString());
            Assert.False(printed.Any(c => (c < ' ' && c != '\n') || (c >= '\u007f' && c <= '\u009f') || c == '\u202e'), "raw control character printed: " + run);
            Assert.DoesNotContain("\nverified:", "\n" + printed);
        }
    }

    // D8: a root key file name with a newline added an attacker's root to the generated TrustRoots.cs.
    [Fact]
    public void D8_FileNameWithNewlineAndKey_AddsNoRootToTrustRootsCs()
    {
        string attacker = new string('a', 64);
        string name = "evil\n            \"" + attacker + "\",\n.pub.pem";
        string path = _folder.Combine(name);
        File.Copy(_signing.RootPublic, path);
        string output = _folder.Combine("TrustRoots.cs");
        ProcessRun run = ToolProcess.Run(Limit, null, null, "keys", "anchors", path, "--out", output);
        if (run.ExitCode == 0)
        {
            string source = File.ReadAllText(output);
            Assert.Single(Regex.Matches(source, "^\\s*\"[0-9a-f]{64}\"", RegexOptions.Multiline));
            Assert.DoesNotMatch(new Regex("^\\s*\"" + attacker, RegexOptions.Multiline), source);
        }
        else
        {
            HoldsContract(run, "keys anchors");
            Assert.False(File.Exists(output));
        }
    }

    // D9: --bind was pasted into mosquitto.conf; a newline added an anonymous plaintext listener.
    [Theory]
    [InlineData("127.0.0.1\nlistener 1884\nallow_anonymous true")]
    [InlineData("127.0.0.1 \r\nlistener 1884")]
    [InlineData("localhost")]
    [InlineData("0.0.0.0 # comment")]
    public void D9_BindIsAnAddressNeverConfigText(string bind)
    {
        string pki = _folder.Combine("pki");
        ToolRun.Ok("pki", "init", "--out", pki);
        ProcessRun run = ToolProcess.Run(Limit, null, null, "broker", "config", "--pki", pki, "--out", _folder.Combine("broker"), "--bind", bind);
        HoldsContract(run, "broker config --bind");
        Assert.False(File.Exists(_folder.Combine("broker", "mosquitto.conf")));
    }

    [Fact]
    public void D9_APkiPathWithANewline_NeverReachesMosquittoConf()
    {
        string pki = _folder.Combine("pki\nlistener 1884\nallow_anonymous true\n#");
        ToolRun.Ok("pki", "init", "--out", pki);
        ProcessRun run = ToolProcess.Run(Limit, null, null, "broker", "config", "--pki", pki, "--out", _folder.Combine("broker"));
        HoldsContract(run, "broker config with a newline in the PKI path");
        Assert.False(File.Exists(_folder.Combine("broker", "mosquitto.conf")));
    }

    // D12: a missing --pki folder was reported as "in use by another securedevice command".
    [Theory]
    [InlineData("pki", "crl", "--pki")]
    [InlineData("revoke", "dev-1", "--pki")]
    [InlineData("provision", "dev-1", "--pki")]
    public void D12_MissingPkiFolder_SaysSo(params string[] args)
    {
        string missing = _folder.Combine("no-such-pki");
        var all = args.Append(missing).ToList();
        if (args[0] == "provision")
        {
            all.AddRange(new[] { "--out", _folder.Combine("devices") });
        }

        ProcessRun run = ToolProcess.Run(Limit, null, null, all.ToArray());
        HoldsContract(run, string.Join(" ", args));
        Assert.DoesNotContain("in use", run.Error);
        Assert.Contains("not found", run.Error);
        Assert.False(Directory.Exists(missing));
    }

    // Also: README's first signing command failed for a new user because --out keys did not exist.
    [Fact]
    public void KeysNew_MissingOutFolder_IsCreatedPrivate()
    {
        string keys = _folder.Combine("keys");
        ProcessRun run = ToolProcess.Run(Limit, null, null, "keys", "new", "--name", "root", "--out", keys);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(keys));
        Assert.True(File.Exists(Path.Combine(keys, "root.key.pem")));
    }

    // Also: an unreadable bundle folder was reported as "manifest.json missing".
    [Fact]
    public void UnreadableBundleFolder_IsReportedAsUnreadable()
    {
        string bundle = Bundle();
        string root = _folder.Combine("root.pub.pem");
        File.Copy(_signing.RootPublic, root);
        File.SetUnixFileMode(_signing.Folder, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(_folder.Path, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(bundle, UnixFileMode.None);
        try
        {
            ProcessRun run = ToolProcess.RunAs(ToolProcess.Unprivileged(), Limit, null, null, "verify", "--root", root, bundle);
            HoldsContract(run, "verify of an unreadable folder");
            Assert.Equal(2, run.ExitCode);
            Assert.DoesNotContain("missing", run.Error);
            Assert.Contains("cannot read", run.Error);
        }
        finally
        {
            File.SetUnixFileMode(bundle, (UnixFileMode)0x1ED);
        }
    }

    // Also: revoke wrote the CRL before the inventory; a CRL newer than the inventory must never be undone.
    [Fact]
    public void Revoke_InventoryOlderThanTheCrl_NeverUnrevokes()
    {
        string pki = _folder.Combine("pki");
        ToolRun.Ok("pki", "init", "--out", pki);
        ToolRun.Ok("provision", "dev-r", "--pki", pki, "--out", _folder.Combine("devices"));
        string before = File.ReadAllText(Path.Combine(pki, "inventory.json"));
        ToolRun.Ok("revoke", "dev-r", "--pki", pki);
        string serial = ExternalProcess.OpenSsl("x509", "-in", _folder.Combine("devices", "dev-r.pem"), "-noout", "-serial").Output.Split('=')[1].Trim();

        // The state a crash between the two writes of the old order left: CRL written, inventory not.
        File.WriteAllText(Path.Combine(pki, "inventory.json"), before);
        ProcessRun crl = ToolProcess.Run(Limit, null, null, "pki", "crl", "--pki", pki);
        Assert.True(crl.ExitCode is 0 or 2, crl.ToString());
        string text = ExternalProcess.OpenSsl("crl", "-in", Path.Combine(pki, "crl.pem"), "-noout", "-text").EnsureSuccess("crl").Output;
        Assert.Contains("Serial Number: " + serial, text);
    }

    // Also: the simulations ran for minutes and hundreds of MB at large sizes.
    [Theory]
    [InlineData("sim", "glitch", "--hours", "8760")]
    [InlineData("sim", "storm", "--devices", "1000000")]
    public void Simulations_AtTheirLimits_FinishQuicklyOrSayTheLimit(params string[] args)
    {
        ProcessRun run = ToolProcess.Run(TimeSpan.FromSeconds(60), null, null, args);
        Assert.False(run.TimedOut, run.ToString());
        if (run.ExitCode == 0)
        {
            Assert.True(run.Elapsed < TimeSpan.FromSeconds(30), run.ToString());
            Assert.Contains("RESULT ", run.Output);
        }
        else
        {
            HoldsContract(run, string.Join(" ", args));
            Assert.Contains("1..20000", run.Error);
        }
    }
}
