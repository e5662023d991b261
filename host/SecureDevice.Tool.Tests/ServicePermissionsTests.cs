using System;
using System.IO;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>securedevice service refuses exposed storage (issue 14, control 10); the database is created 0600.</summary>
public sealed class ServicePermissionsTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _root = Directory.CreateTempSubdirectory("sd-perm-").FullName;

    public ServicePermissionsTests()
    {
        ToolRun.Ok("pki", "init", "--out", Pki);
        File.SetUnixFileMode(Pki, OwnerOnly);
        Directory.CreateDirectory(Data, OwnerOnly);
    }

    private string Pki => Path.Combine(_root, "pki");

    private string Data => Path.Combine(_root, "data");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Service_DataFolderPkiFolderOrKeyOpenToOthers_RefusesWithOneLine_Exit2()
    {
        File.SetUnixFileMode(Data, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        AssertRefused("data folder " + Data + " is open to group/others (mode 0755)");
        File.SetUnixFileMode(Data, OwnerOnly);

        File.SetUnixFileMode(Pki, OwnerOnly | UnixFileMode.OtherWrite);
        AssertRefused("PKI folder " + Pki + " is open to group/others (mode 0702)");
        File.SetUnixFileMode(Pki, OwnerOnly);

        string key = Path.Combine(Pki, "service.key.pem");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        AssertRefused(key + " is open to group/others (mode 0640)");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        string database = Path.Combine(Data, "fleet.db");
        File.WriteAllBytes(database, Array.Empty<byte>());
        File.SetUnixFileMode(database, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        AssertRefused(database + " is open to group/others (mode 0604)");
    }

    [Fact]
    public void Service_AllowInsecurePermissions_WarnsLoudlyAndGoesOn()
    {
        File.SetUnixFileMode(Data, OwnerOnly | UnixFileMode.OtherRead);

        // An invalid identity is the next check: reaching it proves the flag let the start go on (nothing keeps running).
        ToolResult allowed = ToolRun.Run("service", "--pki", Pki, "--data", Data, "--identity", "bad name", "--allow-insecure-permissions");

        Assert.Equal(2, allowed.ExitCode);
        Assert.Contains("WARNING: insecure permissions (--allow-insecure-permissions): data folder " + Data, allowed.Error);
        Assert.Contains("--identity must be", allowed.Error);
        ToolResult refused = ToolRun.Run("service", "--pki", Pki, "--data", Data, "--identity", "bad name");
        Assert.Contains("refusing to start", refused.Error);
        Assert.DoesNotContain("--identity must be", refused.Error);
    }

    // A PKI folder made before command identities existed (or one whose command identity was removed): the service
    // refuses at its startup checks, in one line naming the file and the command that issues it, with the exit code of
    // its other startup checks; before, it started and its commands shared ingest's connection. Run off the test's
    // thread: a service that starts anyway waits for a signal, which the bound turns into a failure.
    [Theory]
    [InlineData("commands.service.pem")]
    [InlineData("commands.service.key.pem")]
    public async System.Threading.Tasks.Task Service_WithoutItsCommandIdentity_RefusesInOneLine_Exit2(string missing)
    {
        File.Delete(Path.Combine(Pki, missing));
        var run = System.Threading.Tasks.Task.Run(() => ToolRun.Run("service", "--pki", Pki, "--data", Data, "--broker", "localhost:1", "--listen", "127.0.0.1:0"));
        ToolResult result = await run.WaitAsync(TimeSpan.FromSeconds(30)); // TimeoutException: the service started without it
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("the command identity commands.service is missing from " + Pki + ": issue it with 'securedevice service identity service --pki ", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void Database_IsCreatedOwnerOnly()
    {
        ToolRun.Ok("console", "admin", "root", "--data", Data);

        foreach (string file in Directory.GetFiles(Data, "fleet.db*"))
        {
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), file + " " + File.GetUnixFileMode(file));
        }

        Assert.True(File.Exists(Path.Combine(Data, "fleet.db")));
        Assert.Empty(StoragePermissionsProblems());
    }

    private System.Collections.Generic.List<string> StoragePermissionsProblems() => SecureDevice.Service.Hosting.StoragePermissions.Problems(Data, Pki);

    /// <summary>
    /// The console's offer options are checked before anything starts: each bad one is one line, exit 2 (with a real PKI
    /// and owner-only folders, so that only the option is at fault).
    /// </summary>
    [Theory]
    [InlineData("missing-folder", "--bundles: no such folder")]
    [InlineData("http-url", "--bundle-url must be https://HOST[:PORT]/PATH/")]
    [InlineData("url-without-slash", "--bundle-url must be https://HOST[:PORT]/PATH/")]
    [InlineData("url-with-credentials", "--bundle-url must be https://HOST[:PORT]/PATH/")]
    [InlineData("no-root", "update offers need --bundles, --bundle-url and --bundle-root together")]
    [InlineData("bad-root", "not-a-key.pem")]
    [InlineData("no-operator-key", "update offers need the operator identity in the PKI folder")]
    public void Service_BadOfferOption_RefusedInOneLine_Exit2_BeforeAnythingStarts(string fault, string expected)
    {
        ToolRun.Ok("keys", "new", "--name", "root", "--out", Path.Combine(_root, "keys"));
        string bundles = Path.Combine(_root, "bundles");
        Directory.CreateDirectory(bundles);
        string badRoot = Path.Combine(_root, "not-a-key.pem");
        File.WriteAllText(badRoot, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
        if (fault == "no-operator-key")
        {
            File.Delete(Path.Combine(Pki, "operator.key.pem"));
        }

        var args = new System.Collections.Generic.List<string> { "service", "--pki", Pki, "--data", Data, "--console", "127.0.0.1:0",
            "--bundles", fault == "missing-folder" ? Path.Combine(_root, "no-such-folder") : bundles,
            "--bundle-url", fault switch { "http-url" => "http://updates.example/b/", "url-without-slash" => "https://updates.example/b", "url-with-credentials" => "https://u:p@updates.example/b/", _ => "https://updates.example/b/" } };
        if (fault != "no-root")
        {
            args.AddRange(new[] { "--bundle-root", fault == "bad-root" ? badRoot : Path.Combine(_root, "keys", "root.pub.pem") });
        }

        ToolResult result = ToolRun.Run(args.ToArray());
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Empty(result.Output);
    }

    private void AssertRefused(string expected)
    {
        ToolResult result = ToolRun.Run("service", "--pki", Pki, "--data", Data);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, result.Error);
        Assert.Contains("refusing to start", result.Error);
    }
}
