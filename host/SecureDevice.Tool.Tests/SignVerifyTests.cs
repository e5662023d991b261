using System;
using System.IO;
using System.Linq;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests;

public sealed class SignVerifyTests : IDisposable
{
    private readonly SigningFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void SignThenVerify_RoundTrips()
    {
        string bundle = _fixture.Sign("b");
        ToolResult verify = ToolRun.Run("verify", "--root", _fixture.RootPublic, bundle);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.StartsWith("verified: sensor 1.1.0 security 3 signed by release-2026", verify.Output);
        Assert.Single(verify.Output.Trim().Split('\n'));
        Assert.Equal(new[] { "Sensor.App.pe", "Sensor.Lib.pe", "manifest.json", "manifest.sig", "signer.delegation" },
            Directory.GetFiles(bundle).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void ManifestSignature_VerifiesWithOpenSslPkeyutl()
    {
        string bundle = _fixture.Sign("b");
        Assert.Equal(64, new FileInfo(Path.Combine(bundle, "manifest.sig")).Length);
        ExternalProcess.OpenSsl("pkeyutl", "-verify", "-pubin", "-inkey", _fixture.Combine("signer.pub.pem"), "-rawin",
            "-in", Path.Combine(bundle, "manifest.json"), "-sigfile", Path.Combine(bundle, "manifest.sig")).EnsureSuccess("openssl pkeyutl -verify");
    }

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("manifest.sig")]
    [InlineData("signer.delegation")]
    [InlineData("Sensor.App.pe")]
    [InlineData("Sensor.Lib.pe")]
    public void Verify_EverySingleByteFlip_IsRejected(string file)
    {
        string bundle = _fixture.Sign("b");
        string path = Path.Combine(bundle, file);
        byte[] original = File.ReadAllBytes(path);
        for (int i = 0; i < original.Length; i++)
        {
            byte[] changed = original.ToArray();
            changed[i] ^= 0x01;
            File.WriteAllBytes(path, changed);
            ToolResult result = ToolRun.Run("verify", "--root", _fixture.RootPublic, bundle);
            Assert.True(result.ExitCode == 1, file + " byte " + i + ": " + result);
            Assert.StartsWith("rejected: ", result.Error);
        }

        File.WriteAllBytes(path, original);
        Assert.Equal(0, ToolRun.Run("verify", "--root", _fixture.RootPublic, bundle).ExitCode);
    }

    [Fact]
    public void Verify_PayloadFlip_NamesTheFile()
    {
        string bundle = _fixture.Sign("b");
        byte[] bytes = File.ReadAllBytes(Path.Combine(bundle, "Sensor.Lib.pe"));
        bytes[7] ^= 0x40;
        File.WriteAllBytes(Path.Combine(bundle, "Sensor.Lib.pe"), bytes);
        ToolResult result = ToolRun.Run("verify", "--root", _fixture.RootPublic, bundle);
        Assert.Equal("rejected: hash-mismatch: hash mismatch for file Sensor.Lib.pe", result.Error.Trim());
    }

    [Fact]
    public void Verify_WrongRoot_IsUnknownRoot()
    {
        string bundle = _fixture.Sign("b");
        ToolResult result = ToolRun.Run("verify", "--root", _fixture.Combine("signer.pub.pem"), bundle);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("rejected: unknown-root", result.Error);
    }

    [Fact]
    public void Verify_ExpiredDelegation_IsRejected()
    {
        using var old = new SigningFixture(notBefore: "2020-01-01", notAfter: "2021-01-01");
        ToolResult sign = ToolRun.Run("sign", "--key", old.SigningKey, "--delegation", old.Delegation, "--root", old.RootPublic, "--product", "sensor", "--version", "1.0.0",
            "--security-version", "1", "--entry", "Sensor.App:Sensor.App.Application.Start", "--out", old.Combine("b"), old.AppFile);
        Assert.Equal(2, sign.ExitCode);
        Assert.Contains("has expired", sign.Error);

        // Signed while it was valid, verified after it expired.
        ToolResult signedEarlier = ToolRun.RunAt(new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero), "sign", "--key", old.SigningKey, "--delegation", old.Delegation, "--root", old.RootPublic,
            "--product", "sensor", "--version", "1.0.0", "--security-version", "1", "--entry", "Sensor.App:Sensor.App.Application.Start", "--out", old.Combine("b"), old.AppFile);
        Assert.Equal(0, signedEarlier.ExitCode);
        ToolResult verify = ToolRun.Run("verify", "--root", old.RootPublic, old.Combine("b"));
        Assert.StartsWith("rejected: expired-delegation", verify.Error);
        Assert.Equal(0, ToolRun.Run("verify", "--root", old.RootPublic, "--now", "2020-07-01", old.Combine("b")).ExitCode);
    }

    [Fact]
    public void Verify_ProductMismatch_IsRejected()
    {
        string bundle = _fixture.Sign("b");
        ToolResult result = ToolRun.Run("verify", "--root", _fixture.RootPublic, "--product", "gateway", bundle);
        Assert.StartsWith("rejected: wrong-product", result.Error);
    }

    [Fact]
    public void Verify_LowerSecurityVersion_IsRollback()
    {
        string bundle = _fixture.Sign("b", securityVersion: "3");
        Assert.Equal(0, ToolRun.Run("verify", "--root", _fixture.RootPublic, "--current-security-version", "3", bundle).ExitCode);
        ToolResult result = ToolRun.Run("verify", "--root", _fixture.RootPublic, "--current-security-version", "4", bundle);
        Assert.StartsWith("rejected: rollback", result.Error);
    }

    [Fact]
    public void Verify_RevokedKeyId_IsRejected_DirectlyAndFromALaterBundle()
    {
        string oldBundle = _fixture.Sign("old");
        Assert.StartsWith("rejected: revoked-key", ToolRun.Run("verify", "--root", _fixture.RootPublic, "--revoked", "release-2026", oldBundle).Error);

        // A second signing key, delegated by the same root, ships a bundle that revokes the first.
        ToolRun.Ok("keys", "new", "--name", "signer2", "--out", _fixture.Folder);
        ToolRun.Ok("keys", "delegate", "--root", _fixture.RootKey, "--key", _fixture.Combine("signer2.pub.pem"), "--key-id", "release-2027",
            "--products", "sensor", "--out", _fixture.Combine("signer2.delegation"));
        ToolRun.Ok("sign", "--key", _fixture.Combine("signer2.key.pem"), "--delegation", _fixture.Combine("signer2.delegation"), "--root", _fixture.RootPublic, "--product", "sensor",
            "--version", "1.2.0", "--security-version", "4", "--entry", "Sensor.App:Sensor.App.Application.Start", "--revoke", "release-2026",
            "--out", _fixture.Combine("new"), _fixture.AppFile);
        ToolResult result = ToolRun.Run("verify", "--root", _fixture.RootPublic, "--revocations-from", _fixture.Combine("new"), oldBundle);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("rejected: revoked-key: signing key release-2026 is revoked", result.Error);
    }

    [Fact]
    public void Sign_ExistingOutput_IsRefusedAndUntouched()
    {
        string bundle = _fixture.Sign("b");
        byte[] manifest = File.ReadAllBytes(Path.Combine(bundle, "manifest.json"));
        ToolResult again = ToolRun.Run("sign", "--key", _fixture.SigningKey, "--delegation", _fixture.Delegation, "--root", _fixture.RootPublic, "--product", "sensor", "--version", "9.9.9",
            "--security-version", "9", "--entry", "Sensor.App:Sensor.App.Application.Start", "--out", bundle, _fixture.AppFile);
        Assert.Equal(2, again.ExitCode);
        Assert.Equal(manifest, File.ReadAllBytes(Path.Combine(bundle, "manifest.json")));
    }

    [Theory]
    [InlineData("missing-file")]
    [InlineData("wrong-key")]
    [InlineData("entry-not-in-files")]
    [InlineData("product-not-delegated")]
    [InlineData("bad-version")]
    public void Sign_BadInput_LeavesNoBundleBehind(string fault)
    {
        string key = _fixture.SigningKey;
        string product = "sensor";
        string version = "1.0.0";
        string entry = "Sensor.App:Sensor.App.Application.Start";
        string file = _fixture.AppFile;
        switch (fault)
        {
            case "missing-file": file = _fixture.Combine("Absent.pe"); break;
            case "wrong-key": key = _fixture.RootKey; break;
            case "entry-not-in-files": entry = "Other:Other.Type.Start"; break;
            case "product-not-delegated": product = "gateway"; break;
            case "bad-version": version = "1.0"; break;
        }

        ToolResult result = ToolRun.Run("sign", "--key", key, "--delegation", _fixture.Delegation, "--root", _fixture.RootPublic, "--product", product, "--version", version,
            "--security-version", "1", "--entry", entry, "--out", _fixture.Combine("out"), file);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(_fixture.Combine("out")));
        Assert.Empty(Directory.GetDirectories(_fixture.Folder));
    }

    [Fact]
    public void Verify_MissingPartOrUnknownOption_IsOneLine()
    {
        string bundle = _fixture.Sign("b");
        File.Delete(Path.Combine(bundle, "manifest.sig"));
        ToolResult missing = ToolRun.Run("verify", "--root", _fixture.RootPublic, bundle);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("rejected: file-missing: manifest.sig missing", missing.Error.Trim());

        ToolResult unknown = ToolRun.Run("verify", "--root", _fixture.RootPublic, "--frobnicate", bundle);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Single(unknown.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Inspect_PrintsEveryManifestField()
    {
        string bundle = _fixture.Sign("b", "2.0.1", "7", "--hardware", "esp32-s3", "--expires", "2030-01-01", "--revoke", "old-key");
        ToolResult result = ToolRun.Run("inspect", bundle);
        Assert.Equal(0, result.ExitCode);
        foreach (string expected in new[] { "sensor", "2.0.1", "security version 7", "esp32-s3", "2030-01-01T00:00:00Z", "Sensor.App:Sensor.App.Application.Start", "old-key", "Sensor.Lib.pe", "release-2026", "NOT verified" })
        {
            Assert.Contains(expected, result.Output);
        }
    }

    [Fact]
    public void Tool_RunsAsAProcess_WithExitCodes()
    {
        string bundle = _fixture.Sign("b");
        string tool = typeof(SecureDevice.Tool.Cli.ToolCli).Assembly.Location;
        Assert.Equal(0, ExternalProcess.Run("dotnet", new[] { tool, "verify", "--root", _fixture.RootPublic, bundle }).ExitCode);
        var rejected = ExternalProcess.Run("dotnet", new[] { tool, "verify", "--root", _fixture.Combine("signer.pub.pem"), bundle });
        Assert.Equal(1, rejected.ExitCode);
        Assert.StartsWith("rejected: unknown-root", rejected.Error);
    }
}
