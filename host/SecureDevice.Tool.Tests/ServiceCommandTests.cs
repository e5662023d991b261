using System;
using System.IO;
using System.Linq;
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
    [InlineData("Database", "'Database'")]
    [InlineData("db\u001b[2J", "'db\\x1b[2J'")] // the value is printed escaped
    public void Service_DetectionFeedUnknown_OneLineExit2(string value, string shown)
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", "--detection-feed", value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--detection-feed must be local or database, not " + shown, result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("roundrobin")]
    [InlineData("Sticky")]
    [InlineData("")]
    public void Service_DealingUnknown_OneLineExit2(string value)
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", "--dealing", value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--dealing must be round-robin or sticky", result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    /// <summary>
    /// Roll-ups kept for less time than the raw reports they summarise would leave the console's graphs a gap beyond
    /// the raw window: refused before anything starts, also against the default of the option not given (raw 7, hourly
    /// 400 days). Equal bounds are accepted: the run goes on to the next check (here the missing PKI folder).
    /// </summary>
    [Theory]
    [InlineData("--raw-days 30 --hourly-days 29", "--hourly-days (29) must be at least --raw-days (30)")]
    [InlineData("--hourly-days 6", "--hourly-days (6) must be at least --raw-days (7)")]
    [InlineData("--raw-days 401", "--hourly-days (400) must be at least --raw-days (401)")]
    public void Service_HourlyDaysBelowRawDays_OneLineExit2(string retention, string message)
    {
        ToolResult result = ToolRun.Run(new[] { "service", "--pki", "nope", "--data", "nope" }.Concat(retention.Split(' ')).ToArray());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Service_HourlyDaysEqualToRawDays_Accepted()
    {
        ToolResult result = ToolRun.Run("service", "--pki", "nope", "--data", "nope", "--raw-days", "30", "--hourly-days", "30");
        Assert.DoesNotContain("--hourly-days", result.Error);
        Assert.Contains("nope", result.Error); // refused further on, for the folders
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
