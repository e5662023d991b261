using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Playwright;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The console in a real browser: Playwright for .NET driving Debian's Chromium through its executable path (browsers
/// cannot be downloaded here; .ci/run installs chromium). Screenshots go to screenshots/ beside the test assembly.
/// </summary>
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Browser_LoginWithTotp_SeeFleetAndGraphs_XssInert_ThrottleDevice_StolenCookieDiesAtLogout()
    {
        Assert.True(File.Exists(Chromium), "chromium is not installed (apt-get install chromium)");
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("ops", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = new[] { "--no-sandbox" },
        });
        // The host's certificate is made at run time and trusted by nobody: this context accepts it (the HTTP tests pin it).
        await using IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        // Under the load averages of 20-60 seen here, a page can take longer than Playwright's default 30 s (as LiveFleet.OpenAsync).
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        IPage page = await context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        var consoleErrors = new List<string>();
        page.Console += (_, message) => consoleErrors.Add(message.Text);

        string baseUrl = host.HttpsBase.ToString().TrimEnd('/');
        await page.GotoAsync(baseUrl + "/login", LivePage.Parsed);
        await page.FillAsync("input[name=UserName]", op.Name);
        await page.FillAsync("input[name=Password]", op.Password);
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        await page.FillAsync("input[name=Code]", TestUser.Code(op.Secret, host.Clock.GetUtcNow()));
        await page.ClickAsync("button[type=submit]");
        await LivePage.ArriveAsync(page, baseUrl + "/", "h1");
        Assert.Contains("Fleet of acme", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("a[href='/devices/" + ConsoleTestHost.AcmeDevice + "']").CountAsync() > 0 ? 1 : 0);
        Assert.Equal(0, await page.Locator("a[href='/devices/" + ConsoleTestHost.GlobexDevice + "']").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "fleet.png"), FullPage = true });

        await page.ClickAsync("a[href='/devices/" + ConsoleTestHost.AcmeDevice + "']");
        await LivePage.ArriveAsync(page, baseUrl + "/devices/" + ConsoleTestHost.AcmeDevice, "svg.chart");
        Assert.Equal(5, await page.Locator("svg.chart").CountAsync());
        Assert.Equal(5, await page.Locator("svg.chart polyline.s0").CountAsync());
        var box = await page.Locator("svg.chart").First.BoundingBoxAsync();
        Assert.True(box != null && box.Width > 200 && box.Height > 50, "the chart is not drawn");
        Assert.Equal(0, await page.Locator("img").CountAsync()); // the "><img onerror=...> payload stayed text
        Assert.Equal(0, await page.Locator("script").CountAsync());
        Assert.Contains("<script>alert('x')</script>", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "device.png"), FullPage = true });

        await page.SelectOptionAsync("select[name=Kind]", "throttle");
        await page.FillAsync("input[name=Reason]", "noisy in the browser test");
        await page.ClickAsync("form:has(select[name=Kind]) button[type=submit]");
        await page.WaitForSelectorAsync("p.ok");
        Assert.Contains("throttle: done", await page.InnerTextAsync("p.ok"), StringComparison.Ordinal);
        Assert.Contains(host.Response.Requests, r => r.DeviceId == ConsoleTestHost.AcmeDevice && r.Kind == Service.Extensions.DeviceActionKind.Throttle);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "throttled.png"), FullPage = true });
        Assert.Empty(dialogs);

        var stolen = (await context.CookiesAsync()).Single(c => c.Name == "__Host-sd_session");
        Assert.True(stolen.HttpOnly && stolen.Secure && stolen.SameSite == SameSiteAttribute.Strict);
        await page.ClickAsync("header button[type=submit]"); // Sign out
        await LivePage.ArriveAsync(page, baseUrl + "/login", "input[name=UserName]");

        await using IBrowserContext thief = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        await thief.AddCookiesAsync(new[] { new Cookie { Name = stolen.Name, Value = stolen.Value, Url = baseUrl + "/", Secure = true, HttpOnly = true, SameSite = SameSiteAttribute.Strict } });
        IPage thiefPage = await thief.NewPageAsync();
        await thiefPage.GotoAsync(baseUrl + "/devices/" + ConsoleTestHost.AcmeDevice, LivePage.Parsed);
        Assert.Equal(baseUrl + "/login", thiefPage.Url);
        await thiefPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "stolen-cookie.png") });
    }
}
