using System.IO;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests;

public sealed class KeysCommandTests
{
    [Fact]
    public void KeysNew_WritesPrivateKey0600AndPublicKeyOpenSslAgreesWith()
    {
        using var folder = new TemporaryDirectory();
        ToolRun.Ok("keys", "new", "--name", "ops", "--out", folder.Path);
        string key = folder.Combine("ops.key.pem");
        string pub = folder.Combine("ops.pub.pem");
        if (!System.OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(pub));
        string derived = ExternalProcess.OpenSsl("pkey", "-in", key, "-pubout").EnsureSuccess("pkey").Output;
        Assert.Equal(File.ReadAllText(pub).Trim(), derived.Trim());
        Assert.Contains("ED25519", ExternalProcess.OpenSsl("pkey", "-in", key, "-noout", "-text").EnsureSuccess("pkey -text").Output);
    }

    [Fact]
    public void KeysNew_ExistingKey_IsNeverOverwritten()
    {
        using var folder = new TemporaryDirectory();
        ToolRun.Ok("keys", "new", "--name", "ops", "--out", folder.Path);
        byte[] before = File.ReadAllBytes(folder.Combine("ops.key.pem"));
        ToolResult again = ToolRun.Run("keys", "new", "--name", "ops", "--out", folder.Path);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("refusing to overwrite", again.Error);
        Assert.Single(again.Error.Trim().Split('\n'));
        Assert.Equal(before, File.ReadAllBytes(folder.Combine("ops.key.pem")));
    }

    [Fact]
    public void KeysNew_ExistingPublicKeyAlone_StopsBeforeWritingAnything()
    {
        using var folder = new TemporaryDirectory();
        File.WriteAllText(folder.Combine("ops.pub.pem"), "keep me");
        Assert.Equal(2, ToolRun.Run("keys", "new", "--name", "ops", "--out", folder.Path).ExitCode);
        Assert.False(File.Exists(folder.Combine("ops.key.pem")));
        Assert.Equal("keep me", File.ReadAllText(folder.Combine("ops.pub.pem")));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public void KeysNew_UnsafeName_IsRefused(string name)
    {
        using var folder = new TemporaryDirectory();
        ToolResult result = ToolRun.Run("keys", "new", "--name", name, "--out", folder.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void KeysDelegate_AcceptsAnOpenSslGeneratedRootKey()
    {
        using var folder = new TemporaryDirectory();
        string root = folder.Combine("hsm-root.key.pem");
        ExternalProcess.OpenSsl("genpkey", "-algorithm", "ed25519", "-out", root).EnsureSuccess("genpkey");
        File.WriteAllText(folder.Combine("hsm-root.pub.pem"), ExternalProcess.OpenSsl("pkey", "-in", root, "-pubout").EnsureSuccess("pubout").Output);
        ToolRun.Ok("keys", "new", "--name", "signer", "--out", folder.Path);
        ToolRun.Ok("keys", "delegate", "--root", root, "--key", folder.Combine("signer.pub.pem"), "--key-id", "k1", "--out", folder.Combine("d"));
        File.WriteAllBytes(folder.Combine("App.pe"), new byte[] { 1, 2, 3 });
        ToolRun.Ok("sign", "--key", folder.Combine("signer.key.pem"), "--delegation", folder.Combine("d"), "--root", folder.Combine("hsm-root.pub.pem"), "--product", "p", "--version", "1.0.0",
            "--security-version", "0", "--entry", "App:App.Program.Main", "--out", folder.Combine("b"), folder.Combine("App.pe"));
        ToolResult verify = ToolRun.Run("verify", "--root", folder.Combine("hsm-root.pub.pem"), folder.Combine("b"));
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public void KeysDelegate_EncryptedOrForeignKeys_AreRefusedWithAdvice()
    {
        using var folder = new TemporaryDirectory();
        string encrypted = folder.Combine("enc.pem");
        ExternalProcess.OpenSsl("genpkey", "-algorithm", "ed25519", "-aes-256-cbc", "-pass", "pass:test-only", "-out", encrypted).EnsureSuccess("genpkey enc");
        string rsa = folder.Combine("ec.pem");
        ExternalProcess.OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", rsa).EnsureSuccess("genpkey ec");
        ToolRun.Ok("keys", "new", "--name", "signer", "--out", folder.Path);

        ToolResult encryptedResult = ToolRun.Run("keys", "delegate", "--root", encrypted, "--key", folder.Combine("signer.pub.pem"), "--key-id", "k", "--out", folder.Combine("d1"));
        Assert.Equal(2, encryptedResult.ExitCode);
        Assert.Contains("encrypted private keys are not supported", encryptedResult.Error);

        ToolResult foreign = ToolRun.Run("keys", "delegate", "--root", rsa, "--key", folder.Combine("signer.pub.pem"), "--key-id", "k", "--out", folder.Combine("d2"));
        Assert.Equal(2, foreign.ExitCode);
        Assert.Contains("not an Ed25519 key", foreign.Error);
        Assert.False(File.Exists(folder.Combine("d1")));
        Assert.False(File.Exists(folder.Combine("d2")));
    }

    [Theory]
    [InlineData("--not-after", "2020-13-01")]
    [InlineData("--min-security-version", "-1")]
    [InlineData("--key-id", "bad id")]
    public void KeysDelegate_BadOption_OneLineAndExit2(string option, string value)
    {
        using var fixture = new SigningFixture();
        var args = new System.Collections.Generic.List<string>
        {
            "keys", "delegate", "--root", fixture.RootKey, "--key", fixture.Combine("signer.pub.pem"), "--out", fixture.Combine("new.delegation"),
        };
        if (option != "--key-id")
        {
            args.AddRange(new[] { "--key-id", "ok" });
        }

        args.AddRange(new[] { option, value });
        ToolResult result = ToolRun.Run(args.ToArray());
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(File.Exists(fixture.Combine("new.delegation")));
    }

    [Fact]
    public void Anchors_WritesTheLoadersTrustRootsMatchingOpenSsl()
    {
        using var folder = new TemporaryDirectory();
        ToolRun.Ok("keys", "new", "--name", "root-a", "--out", folder.Path);
        ExternalProcess.OpenSsl("genpkey", "-algorithm", "ed25519", "-out", folder.Combine("root-b.key.pem")).EnsureSuccess("genpkey");
        ExternalProcess.OpenSsl("pkey", "-in", folder.Combine("root-b.key.pem"), "-pubout", "-out", folder.Combine("root-b.pub.pem")).EnsureSuccess("pubout");
        string output = folder.Combine("TrustRoots.cs");
        ToolRun.Ok("keys", "anchors", folder.Combine("root-a.pub.pem"), folder.Combine("root-b.pub.pem"), "--out", output);
        string source = File.ReadAllText(output);
        var keys = System.Text.RegularExpressions.Regex.Matches(source, "\"([0-9a-f]{64})\"");
        Assert.Equal(2, keys.Count);
        foreach ((string name, int index) in new[] { ("root-a", 0), ("root-b", 1) })
        {
            // OpenSSL's DER SubjectPublicKeyInfo ends with the 32 raw key bytes.
            ExternalProcess.OpenSsl("pkey", "-pubin", "-in", folder.Combine(name + ".pub.pem"), "-outform", "DER", "-out", folder.Combine(name + ".der")).EnsureSuccess("der");
            byte[] der = File.ReadAllBytes(folder.Combine(name + ".der"));
            Assert.Equal(System.Convert.ToHexStringLower(der[^32..]), keys[index].Groups[1].Value);
        }

        Assert.Contains("internal static class TrustRoots", source);
        Assert.Contains("namespace SecureDevice.Platform", source);
        Assert.Equal(2, ToolRun.Run("keys", "anchors", folder.Combine("root-a.pub.pem"), "--out", output).ExitCode);
        Assert.Equal(2, ToolRun.Run("keys", "anchors", folder.Combine("root-a.pub.pem"), folder.Combine("root-a.pub.pem"), "--out", folder.Combine("twice.cs")).ExitCode);
        Assert.Equal(2, ToolRun.Run("keys", "anchors", folder.Combine("root-a.key.pem"), "--out", folder.Combine("private.cs")).ExitCode);
        Assert.False(File.Exists(folder.Combine("twice.cs")));
    }
}
