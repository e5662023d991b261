using System.IO;
using System.Linq;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>README's main command: <c>securedevice demo</c> must run green, as CI proves on every change.</summary>
[Collection("broker")]
public sealed class DemoCommandTests
{
    [Fact]
    public void Demo_EveryCheckHolds_AndKeepsAReusableWorkspace()
    {
        using var folder = new TemporaryDirectory();
        string keep = folder.Combine("demo");
        ToolResult result = ToolRun.Run("demo", "--devices", "3", "--keep", keep);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("all 34 checks held", result.Output);
        Assert.DoesNotContain("FAIL", result.Output);
        Assert.DoesNotContain("\u001b[", result.Output);

        // The kept folder is what an operator would have: PKI, broker configuration, device files, bundles.
        foreach (string file in new[] { "pki/root-ca.pem", "pki/operator.pem", "broker/mosquitto.conf", "devices/dev-001.network.json", "bundles/1.1.0/manifest.json", "keys/root.pub.pem" })
        {
            Assert.True(File.Exists(Path.Combine(keep, file)), file);
        }

        // Private keys are 0600 and no update-signing private key was ever written.
        foreach (string key in Directory.GetFiles(keep, "*.key.pem", SearchOption.AllDirectories))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(keep, "keys")), f => f.EndsWith(".key.pem", System.StringComparison.Ordinal));
        ToolResult verified = ToolRun.Run("verify", "--root", Path.Combine(keep, "keys", "root.pub.pem"), Path.Combine(keep, "bundles", "1.1.0"));
        Assert.True(verified.ExitCode == 0, verified.Output + verified.Error);
        ToolResult tampered = ToolRun.Run("verify", "--root", Path.Combine(keep, "keys", "root.pub.pem"), Path.Combine(keep, "bundles", "1.2.0-tampered"));
        Assert.Equal(1, tampered.ExitCode);
    }

    [Theory]
    [InlineData("--devices", "1")]
    [InlineData("--devices", "21")]
    [InlineData("--devices", "x")]
    public void Demo_BadArguments_ExitTwoWithOneLine(string option, string value)
    {
        ToolResult result = ToolRun.Run("demo", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Demo_KeepFolderNotEmpty_RefusedBeforeAnythingStarts()
    {
        using var folder = new TemporaryDirectory();
        File.WriteAllText(folder.Combine("precious.txt"), "x");
        ToolResult result = ToolRun.Run("demo", "--keep", folder.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("must not exist or be empty", result.Error);
        Assert.Equal(new[] { folder.Combine("precious.txt") }, Directory.GetFileSystemEntries(folder.Path));
    }
}
