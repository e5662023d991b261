using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Playwright;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Fleet.Broker;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The second rung of the ladder end to end in a real browser: an operator signs in with TOTP in chromium and presses
/// Quarantine on the page of a live virtual device (the real core over mutual TLS through mosquitto with its
/// dynamic-security plugin). The page says quarantined; at the broker the device's client holds only the quarantine role
/// (dynamic security's <c>getClient</c>) and its connection was ended; it comes back, as the firmware does, and stays
/// quietly connected, but none of its reports reach the service any more while a second, healthy device's keep arriving
/// (so the broker stopped them, not a dead service or a silent device). Presence tells the truth all along: the device
/// page and the fleet overview say offline since the kick, "quarantined: disconnected by the broker", never its last
/// "online" (its will could not reach the service), and count only the healthy device online. An admin sees the action
/// in the audit log (who, what, which device, from where). Lift, from the browser, gives the device its role back and
/// its reports flow again; the page says online only once the device itself published "online" after the lift.
/// <para>
/// Both devices run the config provisioning wrote (60-s reports) and the firmware's own budgets, their monotonic clocks
/// <see cref="ThrottleInTheBrowserTests.TimeScale"/> times faster (a report about every second of wall time); the
/// service's detection runs and takes no action of its own in the test's time (see <see cref="ThrottleInTheBrowserTests"/>).
/// </para>
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class QuarantineInTheBrowserTests
{
    private const string DeviceId = "dev-quarantine-001", Healthy = "dev-healthy-001";

    /// <summary>How long the quarantined device is watched, and how long after the console said done the watch starts (reports in flight).</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(10), Settle = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task OperatorQuarantinesInTheBrowser_BrokerDropsTheRoleAndKicks_ReportsStopWhileOthersFlow_Audited_LiftRestores()
    {
        await using LiveFleet fleet = await LiveFleet.StartAsync("quarantine-browser", detection: true);
        TestUser op = await fleet.CreateUserAsync("ops", ConsoleRole.Operator);
        TestUser admin = await fleet.CreateUserAsync("ada", ConsoleRole.Admin);
        using HttpClient api = await fleet.ApiAsync(op);
        using DynamicSecurityAdmin broker = fleet.Lab.Admin();
        using SecureDevice.VirtualDevice.VirtualDevice device = await fleet.StartDeviceAsync(DeviceId, ThrottleInTheBrowserTests.TimeScale);
        using SecureDevice.VirtualDevice.VirtualDevice healthy = await fleet.StartDeviceAsync(Healthy, ThrottleInTheBrowserTests.TimeScale);

        long started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (SecureDevice.VirtualDevice.VirtualDevice each in new[] { device, healthy })
        {
            await LiveFleet.WaitReportsAsync(api, each.Id, started, 3, TimeSpan.FromSeconds(40), () => each.Id + " did not report; connected " + each.Connected);
        }

        Assert.Equal(DeviceAccess.Normal, (await broker.GetAsync(DeviceId)).Access);
        int disconnects = device.Agent.Connection.Counters.Disconnects;
        int kicks = Kicks(fleet, DeviceId);

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await LiveFleet.LaunchAsync(playwright);
        (IBrowserContext context, IPage page, BrowserSignals signals) = await LiveFleet.OpenAsync(browser);
        await using (context)
        {
            await fleet.LoginAsync(page, op);
            await LivePage.OpenDeviceAsync(fleet, page, DeviceId);

            long quarantined = await LivePage.ActAsync(page, "quarantine", "garbage at 40/min: quarantined from the browser test");
            Assert.Equal("quarantined", await LivePage.ServiceStateAsync(page));
            Assert.Matches(CutOff, await LivePage.PresenceAsync(page)); // not its last "online": the broker ended the connection
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = LivePage.Shot("live-quarantined.png"), FullPage = true });

            // At the broker: the device's client holds the quarantine role alone (its own role is gone), the healthy one
            // keeps its own; the plugin ended the quarantined device's connection (mosquitto logs the administrative
            // disconnect, the device counts the loss) and the device came back, as the firmware does.
            Assert.Equal(DeviceAccess.Quarantined, (await broker.GetAsync(DeviceId)).Access);
            Assert.Equal(DeviceAccess.Normal, (await broker.GetAsync(Healthy)).Access);
            await LiveFleet.WaitAsync(() => Task.FromResult(Kicks(fleet, DeviceId) > kicks && device.Agent.Connection.Counters.Disconnects > disconnects && device.Connected),
                TimeSpan.FromSeconds(20), () => "the quarantined device was not kicked and back: broker kicks " + Kicks(fleet, DeviceId) + " (before " + kicks + "), device disconnects "
                    + device.Agent.Connection.Counters.Disconnects + " (before " + disconnects + "), connected " + device.Connected);
            Assert.Equal(0, Kicks(fleet, Healthy));

            // The watch: nothing of the quarantined device is stored, although it keeps publishing (connected, its limiter
            // lets reports out); the healthy device's reports keep arriving, so the service is alive and ingesting.
            long from = quarantined + (long)Settle.TotalMilliseconds, to = from + (long)Watch.TotalMilliseconds;
            int sentBefore = device.Agent.Limiter.Sent(MessageClass.Telemetry);
            IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> stopped = Array.Empty<(long, long, long)>(), flowing = stopped;
            await LiveFleet.WaitAsync(async () =>
            {
                stopped = await LiveFleet.ReportsAsync(api, DeviceId);
                Assert.True(LiveFleet.Between(stopped, from, to) == 0, LiveFleet.Describe("the quarantined device's reports still reach the service", stopped, from));
                return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= to + 1000;
            }, Watch + Settle + TimeSpan.FromSeconds(10), () => "the quarantine watch did not end");
            flowing = await LiveFleet.ReportsAsync(api, Healthy);
            int sent = device.Agent.Limiter.Sent(MessageClass.Telemetry) - sentBefore;
            Assert.True(sent >= 5 && device.Connected, "the quarantined device went quiet by itself (sent " + sent + " reports in the watch, connected " + device.Connected + "): the check proves nothing");
            Assert.True(LiveFleet.Between(flowing, from, to) >= 5, LiveFleet.Describe("the healthy device's reports stopped too: the service, not the broker, stopped", flowing, from));

            // Connected again and publishing all through the watch, yet cut off: the device page and the fleet overview
            // both say offline with the reason, and count only the healthy device online.
            await page.GotoAsync(fleet.BaseUrl + "/devices/" + DeviceId, LivePage.Parsed); // a GET: reloading the action's answer would post it again
            Assert.Matches(CutOff, await LivePage.PresenceAsync(page));
            (string overview, int online) = await LivePage.OverviewAsync(fleet, page, DeviceId);
            Assert.Matches(CutOff, overview);
            Assert.StartsWith("online since ", (await LivePage.OverviewAsync(fleet, page, Healthy)).Presence, StringComparison.Ordinal);
            Assert.Equal(1, online);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = LivePage.Shot("live-quarantined-overview.png"), FullPage = true });
            await LivePage.OpenDeviceAsync(fleet, page, DeviceId);

            DateTimeOffset lifting = DateTimeOffset.UtcNow;
            long lifted = await LivePage.ActAsync(page, "lift", "cleaned up: lifted by the browser test");
            Assert.Equal("normal", await LivePage.ServiceStateAsync(page));
            // The lift does not say online: the page says so once the device itself published "online" again (after the lift).
            string presence = await LivePage.PresenceAsync(page);
            Assert.True(CutOff.IsMatch(presence) || OnlineSince(presence) >= lifting.AddSeconds(-1), "presence right after the lift: " + presence);
            await LiveFleet.WaitAsync(async () =>
            {
                await page.GotoAsync(fleet.BaseUrl + "/devices/" + DeviceId, LivePage.Parsed);
                presence = await LivePage.PresenceAsync(page);
                return OnlineSince(presence) >= lifting.AddSeconds(-1);
            }, TimeSpan.FromSeconds(30), () => "the device page never said online after the lift: " + presence);
            Assert.Equal(DeviceAccess.Normal, (await broker.GetAsync(DeviceId)).Access);
            await LiveFleet.WaitReportsAsync(api, DeviceId, lifted, 3, TimeSpan.FromSeconds(30),
                () => "the reports did not come back after the lift; connected " + device.Connected + ", connection " + device.Agent.Connection.State + ", sent " + device.Agent.Limiter.Sent(MessageClass.Telemetry));

            string taken = await LivePage.ActionsTakenAsync(page);
            Assert.Matches(@"quarantine\s+console:ops@127\.0\.0\.1\s+garbage at 40/min: quarantined from the browser test\s+done", taken);
            Assert.True(signals.Dialogs.Count == 0 && signals.Errors.Count == 0, signals.ToString());
        }

        // Who, what, which device, from where: the audit log as the customer's admin sees it.
        string log = await LivePage.AuditLogAsync(fleet, browser, admin, DeviceId, "live-quarantine-audit.png");
        Assert.True(Regex.IsMatch(log, DeviceId + @"\s+quarantine\s+console:ops@127\.0\.0\.1\s+garbage at 40/min: quarantined from the browser test\s+done\s+Done: role replaced by 'quarantined'; connection ended"), log);
        Assert.True(Regex.IsMatch(log, DeviceId + @"\s+lift\s+console:ops@127\.0\.0\.1\s+cleaned up: lifted by the browser test\s+done"), log);
        Assert.Equal(new[] { ("quarantine", "console:ops@127.0.0.1"), ("lift", "console:ops@127.0.0.1") }, await LiveFleet.ActionsAsync(api, DeviceId));
        Assert.Empty(await LiveFleet.ActionsAsync(api, Healthy));
    }

    /// <summary>Presence as the console shows a device the service's quarantine disconnected.</summary>
    private static readonly Regex CutOff = new(@"^offline since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(quarantined: disconnected by the broker\)$");

    /// <summary>Since when a presence text says online (second resolution), or the minimum value when it does not.</summary>
    private static DateTimeOffset OnlineSince(string presence)
    {
        Match online = Regex.Match(presence, @"^online since (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)Z$");
        return online.Success ? DateTimeOffset.ParseExact(online.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal) : DateTimeOffset.MinValue;
    }

    /// <summary>Connections of <paramref name="deviceId"/> that mosquitto ended by an administrative action (a dynamic-security change of its client), from the broker's log.</summary>
    private static int Kicks(LiveFleet fleet, string deviceId) => fleet.Lab.Broker.Count("Client " + deviceId + " been disconnected by administrative action");
}
