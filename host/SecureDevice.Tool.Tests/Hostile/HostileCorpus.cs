using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SecureDevice.TestSupport;

namespace SecureDevice.Tool.Tests.Hostile;

/// <summary>One hostile input: the arguments (and environment) of one securedevice run that must be refused.</summary>
public sealed record CorpusCase(string Group, string Name, string[] Args, IReadOnlyDictionary<string, string?>? Environment = null);

/// <summary>
/// The workspace the corpus runs against, and the corpus itself. Valid material (keys, a delegation, a signed bundle,
/// a PKI with a device) is made once with the tool; every case then replaces one argument, file or state file of an
/// otherwise valid command with something hostile: a FIFO, a device, a link in or out of a bundle, a huge or negative
/// number, a control character or newline in a string argument, a corrupt state file.
/// </summary>
public sealed class HostileCorpus : IDisposable
{
    private readonly TemporaryDirectory _folder = new("corpus");
    private readonly List<CorpusCase> _cases = new();

    public HostileCorpus()
    {
        ToolRun.Ok("keys", "new", "--name", "root", "--out", W("keys"));
        ToolRun.Ok("keys", "new", "--name", "signer", "--out", W("keys"));
        ToolRun.Ok("keys", "delegate", "--root", W("keys", "root.key.pem"), "--key", W("keys", "signer.pub.pem"), "--key-id", "release-1", "--products", "sensor", "--out", W("keys", "signer.delegation"));
        Directory.CreateDirectory(W("payload"));
        File.WriteAllBytes(W("payload", "Sensor.App.pe"), Enumerable.Range(0, 700).Select(i => (byte)i).ToArray());
        ToolRun.Ok(SignArgs(W("bundle"), W("payload", "Sensor.App.pe")));
        ToolRun.Ok("pki", "init", "--out", W("pki"));
        ToolRun.Ok("provision", "dev-1", "--pki", W("pki"), "--out", W("devices"));
        ToolRun.Ok("provision", "vdev-0001", "--pki", W("pki"), "--out", W("pki", "virtual-devices"));
        MakeSpecialFiles();
        BuildCases();
    }

    public IReadOnlyList<CorpusCase> Cases => _cases;

    public string W(params string[] parts) => _folder.Combine(parts);

    public void Dispose() => _folder.Dispose();

    private string[] SignArgs(string output, params string[] files) => new[]
    {
        "sign", "--key", W("keys", "signer.key.pem"), "--delegation", W("keys", "signer.delegation"), "--root", W("keys", "root.pub.pem"),
        "--product", "sensor", "--version", "1.0.0", "--security-version", "1", "--entry", "Sensor.App:Sensor.App.Application.Start", "--out", output,
    }.Concat(files).ToArray();

    // Files that are not what they claim: every file argument of every command is tried with each of them.
    private Dictionary<string, string> _special = new();

    private void MakeSpecialFiles()
    {
        string s = W("special");
        Directory.CreateDirectory(s);
        ExternalProcess.Run("mkfifo", new[] { Path.Combine(s, "fifo") }).EnsureSuccess("mkfifo");
        File.CreateSymbolicLink(Path.Combine(s, "link-zero"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(s, "link-fifo"), Path.Combine(s, "fifo"));
        File.CreateSymbolicLink(Path.Combine(s, "dangling"), Path.Combine(s, "nothing-here"));
        File.CreateSymbolicLink(Path.Combine(s, "loop-a"), Path.Combine(s, "loop-b"));
        File.CreateSymbolicLink(Path.Combine(s, "loop-b"), Path.Combine(s, "loop-a"));
        Directory.CreateDirectory(Path.Combine(s, "dir"));
        File.WriteAllBytes(Path.Combine(s, "empty"), Array.Empty<byte>());
        var random = new Random(7);
        byte[] garbage = new byte[5000];
        random.NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(s, "garbage"), garbage);
        using (var sparse = new FileStream(Path.Combine(s, "huge"), FileMode.CreateNew))
        {
            sparse.SetLength(4L << 30);
        }

        _special = new Dictionary<string, string>
        {
            ["fifo"] = Path.Combine(s, "fifo"),
            ["dev-zero"] = "/dev/zero",
            ["dev-urandom"] = "/dev/urandom",
            ["dev-null"] = "/dev/null",
            ["link-to-dev-zero"] = Path.Combine(s, "link-zero"),
            ["link-to-fifo"] = Path.Combine(s, "link-fifo"),
            ["dangling-link"] = Path.Combine(s, "dangling"),
            ["link-loop"] = Path.Combine(s, "loop-a"),
            ["directory"] = Path.Combine(s, "dir"),
            ["missing"] = Path.Combine(s, "missing"),
            ["empty"] = Path.Combine(s, "empty"),
            ["garbage"] = Path.Combine(s, "garbage"),
            ["sparse-4GiB"] = Path.Combine(s, "huge"),
        };
    }

    /// <summary>Strings with control characters, newlines, escape sequences, bidi overrides and sheer length.</summary>
    public static readonly (string Name, string Value)[] HostileStrings =
    {
        ("newline", "a\nb"),
        ("crlf", "a\r\nlistener 1884"),
        ("carriage-return", "ok\rverified: x"),
        ("escape", "\u001b[2J\u001b[31mX"),
        ("tab", "a\tb"),
        ("bell-and-del", "\u0007\u007f"),
        ("c1-csi", "\u009b2J"),
        ("bidi", "abc\u202edef"),
        ("line-separator", "a\u2028b"),
        ("empty", ""),
        ("long", new string('x', 20_000)),
    };

    private string[] Replace(string[] args, string option, string value)
    {
        string[] copy = (string[])args.Clone();
        int at = Array.IndexOf(copy, option);
        copy[at + 1] = value;
        return copy;
    }

    private string[] ReplaceToken(string[] args, string token, string value) => args.Select(a => a == token ? value : a).ToArray();

    private void Add(string group, string name, string[] args, IReadOnlyDictionary<string, string?>? environment = null) =>
        _cases.Add(new CorpusCase(group, name, args, environment));

    private void BuildCases()
    {
        string[] sign = SignArgs(W("out", "b"), W("payload", "Sensor.App.pe"));
        string[] verify = { "verify", "--root", W("keys", "root.pub.pem"), W("bundle") };
        string[] delegate_ = { "keys", "delegate", "--root", W("keys", "root.key.pem"), "--key", W("keys", "signer.pub.pem"), "--key-id", "k2", "--products", "sensor", "--out", W("out", "d") };
        string[] provision = { "provision", "dev-9", "--pki", W("pki"), "--out", W("out", "devices"), "--owner", "acme", "--broker-host", "broker.example.com", "--serial-port", "COM5", "--wifi-ssid", "Lab" };
        string[] serve = { "serve-updates", W("bundle"), "--port", "1", "--cert", W("pki", "broker.pem"), "--key", W("pki", "broker.key.pem"), "--bind", "127.0.0.1" };

        // Port 1: nothing listens, so a run that got past its checks fails at the broker (exit 1) without waiting.
        string[] respond = { "respond", "quarantine", "dev-1", "--pki", W("pki"), "--broker", "localhost:1", "--actor", "alice", "--reason", "r", "--audit", W("out", "audit.jsonl") };
        // With --data: the service's folder (here one without a database, so a run that got past the option checks stops there).
        string[] respondData = respond.Take(11).Concat(new[] { "--data", W("out") }).ToArray();
        Directory.CreateDirectory(W("out"));

        // Files: every file argument, each special file. (serve-updates keeps --port 1: privileged or busy, so a run that
        // got past its checks would still stop; the checks come first.)
        var fileArguments = new (string Command, string[] Args, string Option)[]
        {
            ("sign --key", sign, "--key"), ("sign --delegation", sign, "--delegation"), ("sign --root", sign, "--root"),
            ("sign payload", sign, W("payload", "Sensor.App.pe")),
            ("verify --root", verify, "--root"), ("verify bundle", verify, W("bundle")),
            ("inspect bundle", new[] { "inspect", W("bundle") }, W("bundle")),
            ("keys delegate --root", delegate_, "--root"), ("keys delegate --key", delegate_, "--key"),
            ("keys anchors", new[] { "keys", "anchors", W("keys", "root.pub.pem"), "--out", W("out", "T.cs") }, W("keys", "root.pub.pem")),
            ("provision --app", provision.Concat(new[] { "--app", W("bundle") }).ToArray(), "--app"),
            ("provision --pki", provision, "--pki"),
            ("serve-updates folder", serve, W("bundle")), ("serve-updates --cert", serve, "--cert"), ("serve-updates --key", serve, "--key"),
            ("pki crl --pki", new[] { "pki", "crl", "--pki", W("pki") }, "--pki"),
            ("revoke --pki", new[] { "revoke", "dev-1", "--pki", W("pki") }, "--pki"),
            ("broker config --pki", new[] { "broker", "config", "--pki", W("pki"), "--out", W("out", "broker") }, "--pki"),
            ("respond --pki", respond, "--pki"), ("respond --audit", respond, "--audit"), ("respond --data", respondData, "--data"),
        };
        foreach (var (command, args, option) in fileArguments)
        {
            foreach (var (kind, path) in _special)
            {
                if (kind == "directory" && command == "serve-updates folder")
                {
                    // An empty folder is a valid thing to serve: that run would serve until stopped.
                    continue;
                }

                if (kind is "missing" or "empty" && command == "respond --audit")
                {
                    // A new or empty audit is valid: the run would start one in the shared special folder.
                    continue;
                }

                string[] replaced = option.StartsWith("--", StringComparison.Ordinal) ? Replace(args, option, path) : ReplaceToken(args, option, path);
                Add("file", command + " <- " + kind, replaced);
            }
        }

        // Bundles: a file of the bundle replaced by something hostile, links in and out of the bundle.
        foreach (var (variant, folder) in BundleVariants())
        {
            Add("bundle", "verify " + variant, ReplaceToken(verify, W("bundle"), folder));
            if (!variant.StartsWith("manifest.sig", StringComparison.Ordinal) && !variant.StartsWith("Sensor.App.pe", StringComparison.Ordinal))
            {
                // inspect reads only the manifest and the delegation (it verifies nothing).
                Add("bundle", "inspect " + variant, new[] { "inspect", folder });
            }
            Add("bundle", "provision --app " + variant, ReplaceToken(provision.Concat(new[] { "--app", W("bundle") }).ToArray(), W("bundle"), folder));
        }

        // String arguments: every option that takes text, each hostile string.
        var stringArguments = new (string Command, string[] Args, string Option)[]
        {
            ("sign --product", sign, "--product"), ("sign --version", sign, "--version"), ("sign --entry", sign, "--entry"), ("sign --out", sign, "--out"),
            ("sign --expires", sign.Concat(new[] { "--expires", "2030-01-01" }).ToArray(), "--expires"),
            ("sign --hardware", sign.Concat(new[] { "--hardware", "esp32" }).ToArray(), "--hardware"),
            ("sign --revoke", sign.Concat(new[] { "--revoke", "old" }).ToArray(), "--revoke"),
            ("keys new --name", new[] { "keys", "new", "--name", "k", "--out", W("out", "keys") }, "--name"),
            ("keys delegate --key-id", delegate_, "--key-id"), ("keys delegate --products", delegate_, "--products"),
            ("keys delegate --not-after", delegate_.Concat(new[] { "--not-after", "2030-01-01" }).ToArray(), "--not-after"),
            ("verify --product", verify.Take(3).Concat(new[] { "--product", "sensor", W("bundle") }).ToArray(), "--product"),
            ("verify --revoked", verify.Take(3).Concat(new[] { "--revoked", "x", W("bundle") }).ToArray(), "--revoked"),
            ("verify --now", verify.Take(3).Concat(new[] { "--now", "2030-01-01", W("bundle") }).ToArray(), "--now"),
            ("provision device-id", provision, "dev-9"), ("provision --owner", provision, "--owner"), ("provision --broker-host", provision, "--broker-host"),
            ("provision --serial-port", provision, "--serial-port"), ("provision --wifi-ssid", provision, "--wifi-ssid"),
            ("provision --product", provision.Concat(new[] { "--product", "sensor" }).ToArray(), "--product"),
            ("revoke device-id", new[] { "revoke", "dev-404", "--pki", W("pki") }, "dev-404"),
            ("broker config --bind", new[] { "broker", "config", "--pki", W("pki"), "--out", W("out", "broker"), "--bind", "127.0.0.1" }, "--bind"),
            ("pki init --broker-name", new[] { "pki", "init", "--out", W("out", "pki2"), "--broker-name", "b" }, "--broker-name"),
            ("pki init --broker-ip", new[] { "pki", "init", "--out", W("out", "pki3"), "--broker-ip", "127.0.0.1" }, "--broker-ip"),
            ("serve-updates --bind", serve, "--bind"),
            ("health decode", new[] { "health", "decode", "HEX" }, "HEX"),
            ("health sample --format", new[] { "health", "sample", "--format", "json" }, "--format"),
            ("simulate --broker", new[] { "simulate", "--pki", W("pki"), "--broker", "localhost:8883", "--devices", "1", "--duration", "1s" }, "--broker"),
            ("simulate --prefix", new[] { "simulate", "--pki", W("pki"), "--broker", "localhost:1", "--devices", "1", "--duration", "1s", "--prefix", "v" }, "--prefix"),
            ("simulate --duration", new[] { "simulate", "--pki", W("pki"), "--broker", "localhost:1", "--devices", "1", "--duration", "1s" }, "--duration"),
            ("respond device-id", respond, "dev-1"), ("respond --broker", respond, "--broker"), ("respond --actor", respond, "--actor"),
            ("respond --reason", respond, "--reason"),
            ("respond --database", respondData.Concat(new[] { "--database", "postgres://u@localhost:1/db" }).ToArray(), "--database"),
        };
        foreach (var (command, args, option) in stringArguments)
        {
            foreach (var (kind, value) in HostileStrings.Where(h => Applies(command, h.Name)))
            {
                string[] replaced = option.StartsWith("--", StringComparison.Ordinal) ? Replace(args, option, value) : ReplaceToken(args, option, value);
                if (command.EndsWith("--out", StringComparison.Ordinal) || command.StartsWith("keys new", StringComparison.Ordinal))
                {
                    // An output path may hold any character the file system allows; a hostile one is refused when its folder is missing.
                    replaced = command.EndsWith("--out", StringComparison.Ordinal) ? Replace(args, option, W("no-such-folder", value.Length == 0 ? "x" : value, "b")) : replaced;
                }

                Add("string", command + " <- " + kind, replaced);
            }
        }

        // Numbers: every numeric option, values outside its range or not numbers at all.
        string[] junk = { "-1", "99999999999999999999999", "9223372036854775808", "1e3", "0x10", "NaN", "" };
        var numericArguments = new (string Command, string[] Args, string Option, string[] Extra)[]
        {
            ("sign --security-version", sign, "--security-version", Array.Empty<string>()),
            ("sign --min-loader-version", sign.Concat(new[] { "--min-loader-version", "1" }).ToArray(), "--min-loader-version", Array.Empty<string>()),
            ("keys delegate --min-security-version", delegate_.Concat(new[] { "--min-security-version", "0" }).ToArray(), "--min-security-version", Array.Empty<string>()),
            ("verify --current-security-version", verify.Take(3).Concat(new[] { "--current-security-version", "0", W("bundle") }).ToArray(), "--current-security-version", Array.Empty<string>()),
            ("verify --loader-version", verify.Take(3).Concat(new[] { "--loader-version", "1", W("bundle") }).ToArray(), "--loader-version", Array.Empty<string>()),
            ("provision --broker-port", provision, "--broker-host", new[] { "0", "65536" }),
            ("provision --telemetry-interval-s", provision.Concat(new[] { "--telemetry-interval-s", "300" }).ToArray(), "--telemetry-interval-s", new[] { "0", "59", "86401" }),
            ("provision --days", provision.Concat(new[] { "--days", "30" }).ToArray(), "--days", new[] { "0", "3651" }),
            ("broker config --port", new[] { "broker", "config", "--pki", W("pki"), "--out", W("out", "broker"), "--port", "8883" }, "--port", new[] { "0", "65536" }),
            ("broker config --max-connections", new[] { "broker", "config", "--pki", W("pki"), "--out", W("out", "broker"), "--max-connections", "10" }, "--max-connections", new[] { "0" }),
            ("serve-updates --port", serve, "--port", new[] { "0", "65536" }),
            ("demo --devices", new[] { "demo", "--devices", "3" }, "--devices", new[] { "0", "1", "21" }),
            ("sim glitch --hours", new[] { "sim", "glitch", "--hours", "1" }, "--hours", new[] { "0", "8785" }),
            ("sim glitch --reboot-every-s", new[] { "sim", "glitch", "--hours", "1", "--reboot-every-s", "60" }, "--reboot-every-s", new[] { "4", "86401" }),
            ("sim storm --devices", new[] { "sim", "storm", "--devices", "10" }, "--devices", new[] { "0", "20001", "1000000" }),
            ("sim storm --quota", new[] { "sim", "storm", "--devices", "10", "--quota", "5" }, "--quota", new[] { "0" }),
            ("sim storm --outage-s", new[] { "sim", "storm", "--devices", "10", "--outage-s", "5" }, "--outage-s", new[] { "86401" }),
            ("sim update --bundle-kb", new[] { "sim", "update", "--bundle-kb", "1" }, "--bundle-kb", new[] { "0", "4097" }),
            ("sim update --drop-percent", new[] { "sim", "update", "--bundle-kb", "1", "--drop-percent", "10" }, "--drop-percent", new[] { "91" }),
            ("sim storm --seed", new[] { "sim", "storm", "--devices", "10", "--seed", "1" }, "--seed", Array.Empty<string>()),
            ("simulate --devices", new[] { "simulate", "--pki", W("pki"), "--broker", "localhost:1", "--devices", "1", "--duration", "1s" }, "--devices", new[] { "0", "5001" }),
        };
        foreach (var (command, args, option, extra) in numericArguments)
        {
            string target = command == "provision --broker-port" ? "--broker-port" : option;
            string[] baseArgs = command == "provision --broker-port" ? provision.Concat(new[] { "--broker-port", "8883" }).ToArray() : args;
            foreach (string value in junk.Concat(extra))
            {
                Add("number", command + " <- '" + value + "'", Replace(baseArgs, target, value));
            }
        }

        // State files: each file the tool reads from a PKI folder, corrupted, against every command that reads it.
        foreach (var (variant, pki, readers) in PkiVariants())
        {
            var commands = new Dictionary<string, string[]>
            {
                ["pki crl"] = new[] { "pki", "crl", "--pki", pki },
                ["revoke"] = new[] { "revoke", "dev-1", "--pki", pki },
                ["provision"] = new[] { "provision", "dev-8", "--pki", pki, "--out", Path.Combine(pki, "new-devices") },
                ["broker config"] = new[] { "broker", "config", "--pki", pki, "--out", Path.Combine(pki, "broker") },
            };
            foreach (string reader in readers)
            {
                Add("state", reader + ", " + variant, commands[reader]);
            }
        }

        foreach (var (variant, pki) in VirtualDeviceVariants())
        {
            Add("state", "simulate, " + variant, new[] { "simulate", "--pki", pki, "--broker", "localhost:1", "--devices", "1", "--duration", "1s" });
        }

        // Demo: an output folder that is not usable.
        foreach (string kind in new[] { "fifo", "link-to-dev-zero", "garbage", "dev-null" })
        {
            // Any existing file as the refusal counter: the demo checks that it exists, then the folder, before anything starts.
            Add("file", "demo --keep <- " + kind, new[] { "demo", "--keep", _special[kind], "--refusal-plugin", W("keys", "root.pub.pem") });
        }

        // Health decode from standard input is bounded; from arguments, junk hex.
        foreach (string hex in new[] { "zz", "a", new string('a', 10_000), "ff", "a10002", "9f", "bf", "c0", "fb0000000000000000" })
        {
            Add("number", "health decode " + (hex.Length > 20 ? hex[..20] + "..." : hex), new[] { "health", "decode", hex });
        }

        // Provision without a Wi-Fi password source (no terminal, empty variable).
        Add("string", "provision --wifi-ssid without a password", provision, new Dictionary<string, string?> { ["SECUREDEVICE_WIFI_PASSWORD"] = null });
        foreach (var (kind, value) in HostileStrings.Where(h => h.Value.Length > 0 && h.Value.Trim().Length > 0))
        {
            Add("string", "provision wifi password <- " + kind, provision, new Dictionary<string, string?> { ["SECUREDEVICE_WIFI_PASSWORD"] = value });
        }
    }

    private static string CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        return to;
    }

    // Puts a hostile entry of one kind at path: a FIFO, a folder, a sparse 4 GiB file, junk, truncated JSON, or a link.
    private void Plant(string path, string kind)
    {
        switch (kind)
        {
            case "fifo":
                ExternalProcess.Run("mkfifo", new[] { path }).EnsureSuccess("mkfifo");
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            case "sparse-4GiB":
                using (var sparse = new FileStream(path, FileMode.CreateNew))
                {
                    sparse.SetLength(4L << 30);
                }

                break;
            case "garbage":
                File.Copy(_special["garbage"], path);
                break;
            case "truncated json":
                File.WriteAllText(path, "{\"format\":1,\"deviceId\":\"vdev-0001\"");
                break;
            case "link-to-dev-zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            default:
                File.CreateSymbolicLink(path, _special[kind]);
                break;
        }
    }

    private IEnumerable<(string Variant, string Folder)> BundleVariants()
    {
        string[] members = { "manifest.json", "manifest.sig", "signer.delegation", "Sensor.App.pe" };
        int n = 0;
        string Copy() => CopyFolder(W("bundle"), W("bundles", "b" + n++));

        foreach (string member in members)
        {
            foreach (string kind in new[] { "fifo", "dev-zero", "dev-urandom", "link-to-fifo", "directory", "sparse-4GiB", "dangling-link", "link-loop" })
            {
                string folder = Copy();
                File.Delete(Path.Combine(folder, member));
                Plant(Path.Combine(folder, member), kind);

                yield return (member + " <- " + kind, folder);
            }

            string outside = Copy();
            File.Move(Path.Combine(outside, member), W("bundles", "moved-" + n + "-" + member));
            File.CreateSymbolicLink(Path.Combine(outside, member), W("bundles", "moved-" + n + "-" + member));
            yield return (member + " <- link out of the bundle (to the real file)", outside);

            string inside = Copy();
            File.Move(Path.Combine(inside, member), Path.Combine(inside, "real-" + member));
            File.CreateSymbolicLink(Path.Combine(inside, member), "real-" + member);
            yield return (member + " <- link inside the bundle", inside);

            string passwd = Copy();
            File.Delete(Path.Combine(passwd, member));
            File.CreateSymbolicLink(Path.Combine(passwd, member), "/etc/passwd");
            yield return (member + " <- link to /etc/passwd", passwd);
        }

        string linkedFolder = W("bundles", "folder-link-to-dev");
        File.CreateSymbolicLink(linkedFolder, "/dev");
        yield return ("bundle folder is a link to /dev", linkedFolder);
        yield return ("bundle folder is a FIFO", _special["fifo"]);
        yield return ("bundle folder is /dev/zero", "/dev/zero");
        yield return ("bundle folder is missing", _special["missing"]);
        yield return ("bundle folder is a file", _special["garbage"]);
    }

    private static readonly (string Name, string Content)[] CorruptJson =
    {
        ("devices null", "{\"format\":1,\"crlNumber\":1,\"devices\":null}"),
        ("devices [null]", "{\"format\":1,\"crlNumber\":1,\"devices\":[null]}"),
        ("non-hex serial", "{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"serial\":\"XYZ\",\"sha256\":\"00\",\"status\":\"active\"}]}"),
        ("crlNumber -1", "{\"format\":1,\"crlNumber\":-1,\"devices\":[]}"),
        ("crlNumber 2^63-1", "{\"format\":1,\"crlNumber\":9223372036854775807,\"devices\":[]}"),
        ("crlNumber 2^53", "{\"format\":1,\"crlNumber\":9007199254740992,\"devices\":[]}"),
        ("crlNumber huge", "{\"format\":1,\"crlNumber\":1e400,\"devices\":[]}"),
        ("truncated", "{\"format\":1,\"crlNumber\":1,\"devi"),
        ("not json", "\u0000\u0001garbage"),
        ("deep nesting", new string('[', 5000) + new string(']', 5000)),
        ("unknown status", "{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"serial\":\"0A\",\"sha256\":\"00\",\"status\":\"zombie\"}]}"),
        ("duplicate id", "{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"a\",\"serial\":\"0A\",\"sha256\":\"00\"},{\"id\":\"A\",\"serial\":\"0B\",\"sha256\":\"00\"}]}"),
        ("escape codes in id", "{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"\\u001b[2J\\r\",\"serial\":\"0A\",\"sha256\":\"00\"}]}"),
        ("format 2", "{\"format\":2,\"crlNumber\":1,\"devices\":[]}"),
        ("empty", ""),
    };

    // Which hostile strings are hostile for an option: an SSID may hold spaces, symbols and any UTF-8, a serial port any
    // path characters; control characters, escape sequences and separators are refused everywhere.
    private static bool Applies(string command, string kind) => command switch
    {
        _ => true,
    };

    private IEnumerable<(string Variant, string Folder, string[] Readers)> PkiVariants()
    {
        int n = 0;
        string Copy() => CopyFolder(W("pki"), W("pkis", "p" + n++));

        foreach (var (name, content) in CorruptJson)
        {
            string folder = Copy();
            File.WriteAllText(Path.Combine(folder, "inventory.json"), content);
            yield return ("inventory.json: " + name, folder, new[] { "pki crl", "revoke", "provision" });
        }

        var readers = new Dictionary<string, string[]>
        {
            ["inventory.json"] = new[] { "pki crl", "revoke", "provision" },
            ["crl.pem"] = new[] { "pki crl", "revoke", "provision", "broker config" },
            ["device-ca.pem"] = new[] { "pki crl", "revoke", "provision" },
            ["device-ca.key.pem"] = new[] { "pki crl", "revoke", "provision" },
            ["root-ca.pem"] = new[] { "provision" },
            [".lock"] = new[] { "pki crl", "revoke", "provision" },
            ["broker.pem"] = new[] { "broker config" },
            ["client-ca-bundle.pem"] = new[] { "broker config" },
        };
        foreach (var (file, commands) in readers)
        {
            foreach (string kind in new[] { "fifo", "link-to-dev-zero", "garbage", "sparse-4GiB", "directory" })
            {
                // A lock file only has to be a regular file, and broker config only checks that the broker's files are
                // regular files (mosquitto reads them): regular files with junk content are not refusals for them.
                bool junkContent = kind is "garbage" or "sparse-4GiB";
                string[] which = junkContent ? commands.Where(c => c != "broker config").ToArray() : commands;
                if (which.Length == 0 || (junkContent && file == ".lock"))
                {
                    continue;
                }

                string folder = Copy();
                string path = Path.Combine(folder, file);
                File.Delete(path);
                Plant(path, kind);

                yield return (file + " <- " + kind, folder, which);
            }
        }

        string swapped = Copy();
        File.Copy(Path.Combine(swapped, "service.key.pem"), Path.Combine(swapped, "device-ca.key.pem"), overwrite: true);
        yield return ("device-ca.key.pem belongs to another certificate", swapped, new[] { "pki crl", "revoke", "provision" });
        string noKey = Copy();
        File.Delete(Path.Combine(noKey, "device-ca.key.pem"));
        yield return ("device-ca.key.pem missing", noKey, new[] { "pki crl", "revoke", "provision" });
        string crlDeleted = Copy();
        File.Delete(Path.Combine(crlDeleted, "broker.key.pem"));
        yield return ("broker.key.pem missing", crlDeleted, new[] { "broker config" });
    }

    private IEnumerable<(string Variant, string Folder)> VirtualDeviceVariants()
    {
        int n = 0;
        foreach (string file in new[] { "vdev-0001.config.json", "vdev-0001.pem", "vdev-0001.key.pem" })
        {
            foreach (string kind in new[] { "fifo", "garbage", "link-to-dev-zero", "truncated json" })
            {
                string folder = CopyFolder(W("pki"), W("vpkis", "v" + n++));
                CopyFolder(W("pki", "virtual-devices"), Path.Combine(folder, "virtual-devices"));

                string path = Path.Combine(folder, "virtual-devices", file);
                File.Delete(path);
                Plant(path, kind);

                yield return ("virtual-devices/" + file + " <- " + kind, folder);
            }
        }
    }
}
