using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Playwright;
using SecureDevice.Core.FloodGuard;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The first rung of the ladder seen end to end in a real browser: an operator signs in with TOTP in chromium, presses
/// Throttle on the page of a virtual device running the real device core (its agent, publish limiter and throttle
/// parser) over mutual TLS through mosquitto; the fleet service publishes the throttle command on the device's down topic;
/// and the report rate the service stores (read back through the API) falls to the throttled rate. The action is in the
/// audit log an admin sees, and Lift brings the normal rate back.
/// <para>
/// Nothing inside the device is touched: it runs the config provisioning wrote (a 60-s report interval, the config's
/// floor) and the firmware's own budgets (telemetry 3 at once, 30 an hour), its monotonic clock <see cref="TimeScale"/> times faster (the virtual device's documented lab
/// feature, <see cref="SecureDevice.VirtualDevice.DeviceClock"/>; wall time stays real). So the budget lets a report
/// out every 120 device seconds, 1 s of wall time; the service's default throttle (6 an hour for an hour) one every
/// 600 device seconds, 5 s of wall time, for 30 s of wall time.
/// </para>
/// <para>
/// The service's detection runs (its documented thresholds, <see cref="LiveFleet.StartAsync"/> with detection), and the
/// test checks it took no action of its own: the operator's action is what is measured. Its trust-free rate rules judge
/// 5-minute broker windows (<c>IntegrationOptions.TrafficWindow</c>) and the test ends before the first closes; were it
/// to run longer, <c>message-flood</c> would rightly flag a device sending an hour's budget every 30 s.
/// </para>
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ThrottleInTheBrowserTests
{
    /// <summary>Device ms per real ms of the virtual devices in the live browser tests.</summary>
    public const int TimeScale = 120;

    private const string DeviceId = "dev-throttle-001";

    /// <summary>How long the throttled rate is watched, and how long after the console said done the watch starts (commands and reports in flight).</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(15), Settle = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task OperatorThrottlesInTheBrowser_VirtualDevicesStoredReportRateFalls_AuditedForTheAdmin_LiftRestoresIt()
    {
        await using LiveFleet fleet = await LiveFleet.StartAsync("throttle-browser", detection: true);
        TestUser op = await fleet.CreateUserAsync("ops", ConsoleRole.Operator);
        TestUser admin = await fleet.CreateUserAsync("ada", ConsoleRole.Admin);
        using HttpClient api = await fleet.ApiAsync(op);
        using SecureDevice.VirtualDevice.VirtualDevice device = await fleet.StartDeviceAsync(DeviceId, TimeScale);
        Assert.Equal(60, device.Agent.Config.TelemetryIntervalSeconds); // the config as provisioned, parsed by the core

        // The normal rate, as the service stored it.
        long started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await LiveFleet.WaitReportsAsync(api, DeviceId, started, 6, TimeSpan.FromSeconds(40),
            () => "the device's reports did not arrive at its normal rate; connected " + device.Connected + ", sent " + device.Agent.Limiter.Sent(MessageClass.Telemetry));
        double normal = LiveFleet.Rate(await LiveFleet.ReportsAsync(api, DeviceId), started, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await LiveFleet.LaunchAsync(playwright);
        (IBrowserContext context, IPage page, BrowserSignals signals) = await LiveFleet.OpenAsync(browser);
        await using (context)
        {
            await fleet.LoginAsync(page, op);
            await LivePage.OpenDeviceAsync(fleet, page, DeviceId);

            long throttled = await LivePage.ActAsync(page, "throttle", "noisy: throttled from the browser test");
            Assert.Equal("throttled", await LivePage.ServiceStateAsync(page));
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = LivePage.Shot("live-throttled.png"), FullPage = true });

            // The throttled rate: 6 reports an hour of device time, plus the one report the device's throttle bucket
            // holds when the command lands. Unthrottled it would be one a second.
            long from = throttled + (long)Settle.TotalMilliseconds, to = from + (long)Watch.TotalMilliseconds;
            int allowed = 1 + (int)Math.Ceiling(6 * Watch.TotalHours * TimeScale);
            IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports = Array.Empty<(long, long, long)>();
            await LiveFleet.WaitAsync(async () =>
            {
                reports = await LiveFleet.ReportsAsync(api, DeviceId);
                Assert.True(LiveFleet.Between(reports, from, to) <= allowed, LiveFleet.Describe("reports kept their normal rate (" + normal.ToString("0.00") + "/s) after the throttle", reports, from));
                return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= to + 1000; // the watch is over and ingest has had a second more
            }, Watch + Settle + TimeSpan.FromSeconds(10), () => "the throttle watch did not end");
            double slowed = LiveFleet.Rate(reports, from, to);
            Assert.True(normal >= 0.5 && slowed <= allowed / Watch.TotalSeconds, "normal " + normal + "/s, throttled " + slowed + "/s");
            Assert.True(device.Connected, "the device dropped its connection: a silent device would pass the rate check for the wrong reason");
            Assert.Equal(1, device.Agent.ThrottleCommandsApplied); // cross-check on the device: its core parsed and applied one command

            long lifted = await LivePage.ActAsync(page, "lift", "lifted by the browser test");
            Assert.Equal("normal", await LivePage.ServiceStateAsync(page));
            await LiveFleet.WaitReportsAsync(api, DeviceId, lifted, 4, TimeSpan.FromSeconds(20),
                () => "the normal rate did not come back after the lift; sent " + device.Agent.Limiter.Sent(MessageClass.Telemetry) + ", connected " + device.Connected
                    + ", commands applied " + device.Agent.ThrottleCommandsApplied + ", connection " + device.Agent.Connection.State);
            Assert.Equal(2, device.Agent.ThrottleCommandsApplied);

            // Both actions on the device's page, by this operator from this address, done.
            string taken = await LivePage.ActionsTakenAsync(page);
            Assert.Matches(@"throttle\s+console:ops@127\.0\.0\.1\s+noisy: throttled from the browser test\s+done", taken);
            Assert.Matches(@"lift\s+console:ops@127\.0\.0\.1\s+lifted by the browser test\s+done", taken);
            Assert.True(signals.Dialogs.Count == 0 && signals.Errors.Count == 0, signals.ToString());
        }

        // The audit log, as the customer's admin sees it in the browser.
        string log = await LivePage.AuditLogAsync(fleet, browser, admin, DeviceId, "live-audit.png");
        Assert.Matches(DeviceId + @"\s+throttle\s+console:ops@127\.0\.0\.1\s+noisy: throttled from the browser test\s+done", log);
        Assert.Matches(DeviceId + @"\s+lift\s+console:ops@127\.0\.0\.1\s+lifted by the browser test\s+done", log);

        // The same trail through the API: the operator's two actions, none by the service's detection.
        Assert.Equal(new[] { ("throttle", "console:ops@127.0.0.1"), ("lift", "console:ops@127.0.0.1") }, await LiveFleet.ActionsAsync(api, DeviceId));
    }
}
