using System;
using System.IO;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests;

public sealed class ServiceCommandTests
{
    [Theory]
    [InlineData("--smtp", "localhost:25", "--smtp needs --smtp-from ADDRESS")]
    [InlineData("--smtp", "localhost:0", "--smtp")]
    public void Service_BadAlertOption_OneLineExit2(string option, string value, string message)
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("9")]
    [InlineData("3601")]
    [InlineData("5m")]
    public void Service_SnapshotIntervalOutOfRange_OneLineExit2(string value)
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", "--snapshot-s", value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--snapshot-s", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("--bundles", "bundles")]
    [InlineData("--bundle-url", "https://updates.example/bundles/")]
    [InlineData("--bundle-root", "root.pub.pem")]
    public void Service_OfferOptionWithoutConsole_OneLineExit2(string option, string value)
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--bundles, --bundle-url and --bundle-root need --console", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("fleet-ops")] // no --console, no --contacts
    [InlineData("a b")]
    public void Service_StaffAlertsWithoutConsoleOrContacts_OrNotAnId_OneLineExit2(string value)
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", "--staff-alerts", value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--staff-alerts needs --console and --contacts", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Service_ContactsReadableByOthers_RefusedInOneLine_SecretNeverPrinted()
    {
        using var folder = new TemporaryDirectory("svc-contacts");
        string contacts = folder.Combine("contacts.json");
        File.WriteAllText(contacts, "{\"format\":1,\"customers\":[{\"id\":\"acme\",\"webhook\":{\"url\":\"https://hooks.example/x\",\"secret\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=\"}}]}");
        File.SetUnixFileMode(contacts, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", "--contacts", contacts);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("mode must be 0600", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("c2VjcmV0", result.Error + result.Output);
    }
}
