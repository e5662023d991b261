using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Playwright;
using SecureDevice.Core.Config;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Doubles;
using SecureDevice.VirtualDevice;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The first rung of the ladder seen end to end in a real browser: an operator signs in with TOTP in chromium, presses
/// Throttle on the page of a virtual device running the real device core (its agent, publish limiter and throttle
/// parser) over mutual TLS through mosquitto; the fleet service publishes the throttle command on the device's down topic;
/// and the report rate the service stores (read back through the API) falls to the throttled rate. The action is in the
/// audit log an admin sees, and Lift brings the normal rate back.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ThrottleInTheBrowserTests
{
    private const string DeviceId = "dev-throttle-001";

    /// <summary>The report interval the test gives the device (the config allows 60 s at least; the core's schedule takes 1 s).</summary>
    private const int ReportSeconds = 1;

    /// <summary>How long the throttled rate is watched, and how long after the console said done the watch starts (commands and reports in flight).</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(12), Settle = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task OperatorThrottlesInTheBrowser_VirtualDevicesStoredReportRateFalls_AuditedForTheAdmin_LiftRestoresIt()
    {
        await using LiveFleet fleet = await LiveFleet.StartAsync("throttle-browser", detection: false);
        DeviceIdentity identity = await fleet.ProvisionAsync(DeviceId);
        Accelerate(identity.Config, ReportSeconds);
        TestUser op = await fleet.CreateUserAsync("ops", ConsoleRole.Operator);
        TestUser admin = await fleet.CreateUserAsync("ada", ConsoleRole.Admin);
        using HttpClient api = await fleet.ApiAsync(op);

        using var device = new SecureDevice.VirtualDevice.VirtualDevice(identity, new MemoryFileStore(), new BackoffConfig { BootWindowMs = 0 }, () => identity.Endpoint("127.0.0.1"));
        device.Start();
        // The firmware's telemetry budget (3 at once, 30 an hour) would hide the interval: opened like the interval, for this test.
        device.Agent.Limiter.Configure(MessageClass.Telemetry, 3, 36_000);

        // The normal rate, as the service stored it.
        long started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await LiveFleet.WaitAsync(async () => (await LiveFleet.ReportsAsync(api, DeviceId)).Count(r => r.ReceivedMs >= started) >= 6, TimeSpan.FromSeconds(40),
            () => "the device's reports did not arrive at its normal rate; connected " + device.Connected + ", sent " + device.Agent.Limiter.Sent(MessageClass.Telemetry));
        double normal = Rate(await LiveFleet.ReportsAsync(api, DeviceId), started, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await LiveFleet.LaunchAsync(playwright);
        (IBrowserContext context, IPage page, BrowserSignals signals) = await LiveFleet.OpenAsync(browser);
        await using (context)
        {
            await fleet.LoginAsync(page, op);
            await page.ClickAsync("a[href='/devices/" + DeviceId + "']");
            await page.WaitForURLAsync(fleet.BaseUrl + "/devices/" + DeviceId);
            Assert.Equal(5, await page.Locator("svg.chart").CountAsync()); // its graphs draw from the stored reports

            long throttled = await ActAsync(page, "throttle", "noisy: throttled from the browser test");
            Assert.Equal("throttled", await ServiceStateAsync(page));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "live-throttled.png"), FullPage = true });

            // The throttled rate: the service's default throttle is 6 reports an hour, so over the watch at most the one
            // report the device's throttle bucket holds when the command lands. Unthrottled it would be one a second.
            long from = throttled + (long)Settle.TotalMilliseconds, to = from + (long)Watch.TotalMilliseconds;
            int allowed = 1 + (int)Math.Ceiling(6 * Watch.TotalHours);
            IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports = Array.Empty<(long, long, long)>();
            await LiveFleet.WaitAsync(async () =>
            {
                reports = await LiveFleet.ReportsAsync(api, DeviceId);
                Assert.True(reports.Count(r => r.ReceivedMs >= from && r.ReceivedMs < to) <= allowed, Describe("reports kept their normal rate after the throttle", reports, from, normal));
                return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= to + 1000; // the watch is over and ingest has had a second more
            }, Watch + Settle + TimeSpan.FromSeconds(10), () => "the throttle watch did not end");
            double slowed = Rate(reports, from, to);
            Assert.True(normal >= 0.3 && slowed <= allowed / Watch.TotalSeconds, "normal " + normal + "/s, throttled " + slowed + "/s");
            Assert.True(device.Connected, "the device dropped its connection: a silent device would pass the rate check for the wrong reason");
            Assert.Equal(1, device.Agent.ThrottleCommandsApplied); // cross-check on the device: its core parsed and applied one command

            long lifted = await ActAsync(page, "lift", "lifted by the browser test");
            Assert.Equal("normal", await ServiceStateAsync(page));
            await LiveFleet.WaitAsync(async () => (await LiveFleet.ReportsAsync(api, DeviceId)).Count(r => r.ReceivedMs >= lifted) >= 4, TimeSpan.FromSeconds(20),
                () => "the normal rate did not come back after the lift; sent " + device.Agent.Limiter.Sent(MessageClass.Telemetry) + ", connected " + device.Connected
                    + ", commands applied " + device.Agent.ThrottleCommandsApplied + ", connection " + device.Agent.Connection.State);
            Assert.Equal(2, device.Agent.ThrottleCommandsApplied);

            // Both actions on the device's page, by this operator from this address, done.
            string taken = await page.InnerTextAsync("h2:has-text('Actions taken') + table");
            Assert.Matches(@"throttle\s+console:ops@127\.0\.0\.1\s+noisy: throttled from the browser test\s+done", taken);
            Assert.Matches(@"lift\s+console:ops@127\.0\.0\.1\s+lifted by the browser test\s+done", taken);
            Assert.True(signals.Dialogs.Count == 0 && signals.Errors.Count == 0, signals.ToString());
        }

        // The audit log, as the customer's admin sees it in the browser.
        (IBrowserContext adminContext, IPage audit, BrowserSignals adminSignals) = await LiveFleet.OpenAsync(browser);
        await using (adminContext)
        {
            await fleet.LoginAsync(audit, admin);
            await audit.GotoAsync(fleet.BaseUrl + "/admin/audit?device=" + DeviceId);
            string log = await audit.InnerTextAsync("main table");
            Assert.Matches(DeviceId + @"\s+throttle\s+console:ops@127\.0\.0\.1\s+noisy: throttled from the browser test\s+done", log);
            Assert.Matches(DeviceId + @"\s+lift\s+console:ops@127\.0\.0\.1\s+lifted by the browser test\s+done", log);
            await audit.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "live-audit.png"), FullPage = true });
            Assert.True(adminSignals.Dialogs.Count == 0 && adminSignals.Errors.Count == 0, adminSignals.ToString());
        }

        // The same trail through the API.
        using JsonDocument actions = JsonDocument.Parse(await api.GetStringAsync("/api/v1/devices/" + DeviceId + "/actions"));
        Assert.Equal(new[] { "lift", "throttle" }, actions.RootElement.EnumerateArray().Select(a => a.GetProperty("kind").GetString()).OrderBy(k => k).ToArray());
    }

    /// <summary>
    /// Gives the loaded config a report interval the config file may not hold (60 s is its floor, for the fleet's sake):
    /// the core's schedule takes any interval from 1 s, and the test cannot wait minutes. The setter is the parser's
    /// (internal); a rename fails here, loudly.
    /// </summary>
    private static void Accelerate(DeviceConfig config, int seconds)
    {
        PropertyInfo interval = typeof(DeviceConfig).GetProperty(nameof(DeviceConfig.TelemetryIntervalSeconds))!;
        MethodInfo setter = interval.GetSetMethod(nonPublic: true) ?? throw new InvalidOperationException("DeviceConfig.TelemetryIntervalSeconds has no setter");
        setter.Invoke(config, new object[] { seconds });
        Assert.Equal(seconds, config.TelemetryIntervalSeconds);
    }

    /// <summary>Chooses <paramref name="kind"/> in the device page's action form, gives the reason, applies; waits for "done". Returns when the console answered, Unix ms.</summary>
    private static async Task<long> ActAsync(IPage page, string kind, string reason)
    {
        await page.SelectOptionAsync("select[name=Kind]", kind);
        await page.FillAsync("input[name=Reason]", reason);
        await page.ClickAsync("form:has(select[name=Kind]) button[type=submit]");
        await page.WaitForSelectorAsync("p.ok, p.error");
        string message = await page.InnerTextAsync("p.ok, p.error");
        Assert.StartsWith(kind + ": done", message, StringComparison.Ordinal);
        return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    private static async Task<string> ServiceStateAsync(IPage page) =>
        (await page.InnerTextAsync("tr:has(th:text-is('Service state')) td")).Trim();

    /// <summary>Reports per second received in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    private static double Rate(IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports, long from, long to) =>
        reports.Count(r => r.ReceivedMs >= from && r.ReceivedMs < to) / Math.Max(0.001, (to - from) / 1000.0);

    private static string Describe(string what, IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports, long from, double normal) =>
        what + ": normal " + normal.ToString("0.00") + "/s; received since the watch began at +ms " + string.Join(", ", reports.Where(r => r.ReceivedMs >= from).Select(r => r.ReceivedMs - from));
}
