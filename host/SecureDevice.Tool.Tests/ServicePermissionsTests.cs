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

    private void AssertRefused(string expected)
    {
        ToolResult result = ToolRun.Run("service", "--pki", Pki, "--data", Data);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, result.Error);
        Assert.Contains("refusing to start", result.Error);
    }
}
