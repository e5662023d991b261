using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>What the live browser tests do on the console's pages (one copy: the throttle and the quarantine tests share it).</summary>
public static class LivePage
{
    /// <summary>The path of screenshot <paramref name="name"/> (a test artifact in screenshots/ beside the test assembly).</summary>
    public static string Shot(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    /// <summary>
    /// Navigation done once the document is parsed: the tests read server-rendered text, never subresources, and waiting for
    /// "load" hung once under CI load (see <see cref="ArriveAsync"/>). Element queries then wait for what they need.
    /// </summary>
    public static readonly PageGotoOptions Parsed = new() { WaitUntil = WaitUntilState.DOMContentLoaded };

    /// <summary>
    /// Waits until <paramref name="page"/> has navigated to <paramref name="url"/> and shows <paramref name="ready"/>.
    /// Not <c>WaitForURLAsync</c>'s default, which then waits for the "load" event: in a CI run (load average 20+) that
    /// event was never reported for the login page after sign-out although "networkidle" was, and the test hung 90 s.
    /// The element the test needs next is what it must wait for.
    /// </summary>
    public static async Task ArriveAsync(IPage page, string url, string ready)
    {
        await page.WaitForURLAsync(url, new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await page.WaitForSelectorAsync(ready);
    }

    /// <summary>From the fleet page (signed in), follows the link to <paramref name="deviceId"/>'s page; asserts its five graphs drew.</summary>
    public static async Task OpenDeviceAsync(LiveFleet fleet, IPage page, string deviceId)
    {
        await page.ClickAsync("a[href='/devices/" + deviceId + "']");
        await ArriveAsync(page, fleet.BaseUrl + "/devices/" + deviceId, "svg.chart");
        Assert.Equal(5, await page.Locator("svg.chart").CountAsync()); // its graphs draw from the stored reports
    }

    /// <summary>Chooses <paramref name="kind"/> in the device page's action form, gives the reason, applies; waits for "done". Returns when the console answered, Unix ms.</summary>
    public static async Task<long> ActAsync(IPage page, string kind, string reason)
    {
        await page.SelectOptionAsync("select[name=Kind]", kind);
        await page.FillAsync("input[name=Reason]", reason);
        await page.ClickAsync("form:has(select[name=Kind]) button[type=submit]");
        await page.WaitForSelectorAsync("p.ok, p.error");
        string message = await page.InnerTextAsync("p.ok, p.error");
        Assert.StartsWith(kind + ": done", message, StringComparison.Ordinal);
        return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    /// <summary>The "Service state" row of the device page (normal, throttled, quarantined).</summary>
    public static async Task<string> ServiceStateAsync(IPage page) =>
        (await page.InnerTextAsync("tr:has(th:text-is('Service state')) td")).Trim();

    /// <summary>The "Presence" row of the device page (<c>online since …</c>, <c>offline since … (why)</c>).</summary>
    public static async Task<string> PresenceAsync(IPage page) =>
        (await page.InnerTextAsync("tr:has(th:text-is('Presence')) td")).Trim();

    /// <summary>On the fleet overview: <paramref name="deviceId"/>'s presence in the device table, and the "online" count.</summary>
    public static async Task<(string Presence, int Online)> OverviewAsync(LiveFleet fleet, IPage page, string deviceId)
    {
        await page.GotoAsync(fleet.BaseUrl + "/", LivePage.Parsed);
        string presence = (await page.InnerTextAsync("h2:text-is('Devices') + table tr:has(a[href='/devices/" + deviceId + "']) td:nth-child(5)")).Trim();
        int online = int.Parse((await page.InnerTextAsync(".card:has-text('online') >> b")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return (presence, online);
    }

    /// <summary>The "Actions taken" table of the device page, as text.</summary>
    public static Task<string> ActionsTakenAsync(IPage page) => page.InnerTextAsync("h2:has-text('Actions taken') + table");

    /// <summary>
    /// Signs <paramref name="admin"/> in in a fresh browser context, opens the audit log filtered to
    /// <paramref name="deviceId"/>, saves screenshot <paramref name="shot"/> and returns the action table's text. Asserts the
    /// page showed no dialog and no error.
    /// </summary>
    public static async Task<string> AuditLogAsync(LiveFleet fleet, IBrowser browser, TestUser admin, string deviceId, string shot)
    {
        (IBrowserContext context, IPage audit, BrowserSignals signals) = await LiveFleet.OpenAsync(browser);
        await using (context)
        {
            await fleet.LoginAsync(audit, admin);
            await audit.GotoAsync(fleet.BaseUrl + "/admin/audit?device=" + deviceId, LivePage.Parsed);
            string log = await audit.InnerTextAsync("main table");
            await audit.ScreenshotAsync(new PageScreenshotOptions { Path = Shot(shot), FullPage = true });
            Assert.True(signals.Dialogs.Count == 0 && signals.Errors.Count == 0, signals.ToString());
            return log;
        }
    }
}
