using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using SecureDevice.WebConsole.Api;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>
/// securedevice scan over real files and real git repositories (created here, keys generated at run time). The PEM
/// armour is assembled at run time so that this source file is no finding itself.
/// </summary>
public sealed class ScanCommandTests : IDisposable
{
    private static readonly string Begin = "-----" + "BEGIN ";
    private readonly string _root = Directory.CreateTempSubdirectory("sd-scan-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Scan_Folder_FindsEveryKeyKindAndToken_NeverPrintsTheSecret_Exit1()
    {
        string tree = Dir("tree");
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using RSA rsa = RSA.Create(2048);
        Write(tree, "pki/root-ca.key.pem", ec.ExportPkcs8PrivateKeyPem());
        Write(tree, "ec.pem", "x\n" + ec.ExportECPrivateKeyPem());
        Write(tree, "rsa.txt", rsa.ExportRSAPrivateKeyPem());
        Write(tree, "enc.pem", ec.ExportEncryptedPkcs8PrivateKeyPem("pass phrase", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10000)));
        Write(tree, "ssh/id", Begin + "OPENSSH PRIVATE KEY-----\n" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(96)) + "\n");
        string token = ApiTokenFormat.Create(RandomNumberGenerator.Create());
        Write(tree, "notes/readme.md", "one\ntwo\nexport SD_TOKEN=" + token + "\n");
        Write(tree, "evil\u001b[31m\u202e.cfg", "token: " + token);
        string lookAlike = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        Write(tree, "lookalike.txt", lookAlike + "\nsdp_short\n");
        Write(tree, "code.cs", "Assert.StartsWith(\"" + Begin + "PRIVATE KEY-----\", text);\n"); // a bare header is no key
        Write(tree, "device.network.json", "{\"key\":\"" + ec.ExportPkcs8PrivateKeyPem().Replace("\n", "\\n", StringComparison.Ordinal) + "\"}");

        ToolResult result = ToolRun.Run("scan", tree);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pki/root-ca.key.pem: private-key line 1", result.Output);
        Assert.Contains("ec.pem: private-key line 2", result.Output);
        Assert.Contains("rsa.txt: private-key line 1", result.Output);
        Assert.Contains("enc.pem: encrypted-private-key line 1", result.Output);
        Assert.Contains("ssh/id: openssh-private-key line 1", result.Output);
        Assert.Contains("notes/readme.md: api-token line 3", result.Output);
        Assert.DoesNotContain("lookalike", result.Output);
        Assert.Contains("device.network.json: private-key line 1", result.Output);
        Assert.DoesNotContain("code.cs", result.Output);
        Assert.Equal(8, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain(token, result.Output + result.Error);
        string keyBase64 = Convert.ToBase64String(ec.ExportPkcs8PrivateKey());
        Assert.DoesNotContain(keyBase64[..40], (result.Output + result.Error).Replace("\n", string.Empty));
        Assert.DoesNotContain("\u001b", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", result.Output, StringComparison.Ordinal);
        Assert.Contains("api-token line 1", result.Output);
    }

    [Fact]
    public void Scan_CleanFolder_Exit0()
    {
        string tree = Dir("clean");
        Write(tree, "a.txt", "PRIVATE KEY is a phrase, sdp_notatoken\n");
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Write(tree, "device.pem", ec.ExportSubjectPublicKeyInfoPem());

        ToolResult result = ToolRun.Run("scan", tree);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains("scanned 2", result.Error);
    }

    [Fact]
    public async Task Scan_SkipsSymlinkFifoAndOversizedFile_WithoutHanging()
    {
        string tree = Dir("special");
        string outside = Dir("outside");
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Write(outside, "secret.pem", ec.ExportPkcs8PrivateKeyPem());
        File.CreateSymbolicLink(Path.Combine(tree, "link.pem"), Path.Combine(outside, "secret.pem"));
        Directory.CreateSymbolicLink(Path.Combine(tree, "linkdir"), outside);
        Run("mkfifo", tree, Path.Combine(tree, "pipe"));
        Write(tree, "big.bin", new string('x', 5000) + "\n" + ec.ExportPkcs8PrivateKeyPem());

        Task<ToolResult> scan = Task.Run(() => ToolRun.Run("scan", tree, "--max-bytes", "4096"));

        ToolResult result = await scan.WaitAsync(TimeSpan.FromSeconds(30)); // a TimeoutException when it hangs on the FIFO
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("skipped 3 links/special files, 1 over the size cap", result.Error);
    }

    [Fact]
    public void Scan_History_FindsAKeyDeletedInALaterCommit_AsCommitAndPath()
    {
        string repo = GitRepo("hist");
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Write(repo, "README", "hello\n");
        Write(repo, "certs/broker.key.pem", ec.ExportPkcs8PrivateKeyPem());
        Run("git", repo, "add", "-A");
        Run("git", repo, "commit", "-q", "-m", "oops");
        string leaking = Run("git", repo, "rev-parse", "HEAD").Trim();
        Run("git", repo, "rm", "-q", "certs/broker.key.pem");
        Run("git", repo, "commit", "-q", "-m", "remove key");

        ToolResult folder = ToolRun.Run("scan", repo);
        ToolResult history = ToolRun.Run("scan", repo, "--history");

        Assert.True(folder.ExitCode == 0, folder.ToString());
        Assert.Equal(1, history.ExitCode);
        Assert.Equal(leaking + ":certs/broker.key.pem: private-key line 1", history.Output.Trim());
    }

    [Fact]
    public void Scan_Staged_AsPreCommitHook_RefusesACommitWithAToken()
    {
        string repo = GitRepo("hook");
        string token = ApiTokenFormat.Create(RandomNumberGenerator.Create());
        Write(repo, "config.env", "A=1\nSD_API_TOKEN=" + token + "\n");
        Write(repo, "ok.txt", "fine\n");
        Run("git", repo, "add", "-A");

        ToolResult staged = ToolRun.Run("scan", repo, "--staged");
        Assert.Equal(1, staged.ExitCode);
        Assert.Equal("staged:config.env: api-token line 2", staged.Output.Trim());

        // The hook as docs/console.md installs it, with this build of the tool.
        string tool = Path.Combine(AppContext.BaseDirectory, "securedevice.dll");
        string hook = Path.Combine(repo, ".git", "hooks", "pre-commit");
        File.WriteAllText(hook, "#!/bin/sh\nexec dotnet '" + tool + "' scan --staged .\n");
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        (int refused, _) = TryRun("git", repo, "commit", "-q", "-m", "leak");
        Assert.NotEqual(0, refused);
        Assert.Equal(string.Empty, Run("git", repo, "rev-list", "--all"));

        Run("git", repo, "rm", "-q", "--cached", "config.env");
        Assert.True(ToolRun.Run("scan", repo, "--staged").ExitCode == 0);
        (int accepted, string output) = TryRun("git", repo, "commit", "-q", "-m", "clean");
        Assert.True(accepted == 0, output);
    }

    [Fact]
    public void Scan_BadArguments_Exit2WithOneLine()
    {
        string notRepo = Dir("plain");
        foreach (string[] args in new[]
        {
            new[] { "scan", Path.Combine(_root, "missing") },
            new[] { "scan", notRepo, "--history" },
            new[] { "scan", notRepo, "--staged" },
            new[] { "scan", notRepo, "--history", "--staged" },
            new[] { "scan", notRepo, "--max-bytes", "0" },
            new[] { "scan" },
        })
        {
            ToolResult result = ToolRun.Run(args);
            Assert.True(result.ExitCode == 2, string.Join(' ', args) + ": " + result);
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static void Write(string folder, string relative, string text)
    {
        string path = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private string GitRepo(string name)
    {
        string repo = Dir(name);
        Run("git", repo, "init", "-q", "-b", "main");
        return repo;
    }

    private static string Run(string file, string folder, params string[] args)
    {
        (int exit, string output) = TryRun(file, folder, args);
        Assert.True(exit == 0, file + " " + string.Join(' ', args) + ": " + output);
        return output;
    }

    private static (int Exit, string Output) TryRun(string file, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in new[] { ("GIT_AUTHOR_NAME", "t"), ("GIT_AUTHOR_EMAIL", "t@example.invalid"), ("GIT_COMMITTER_NAME", "t"), ("GIT_COMMITTER_EMAIL", "t@example.invalid"), ("GIT_CONFIG_NOSYSTEM", "1"), ("HOME", folder) })
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
