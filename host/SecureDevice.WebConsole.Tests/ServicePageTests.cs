using System;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>The service's own daily storage, bandwidth and compute graphs (<c>/admin/service</c>).</summary>
public sealed class ServicePageTests
{
    [Fact]
    public async Task ServicePage_DrawsSixDailyCharts_FromServiceDaily_SummingInstances_OnlyForStaffAdmins()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long today = now - (now % 86_400_000L);
        for (int day = 0; day < 5; day++)
        {
            long at = today - ((4 - day) * 86_400_000L);
            await host.Store.AddDailyAsync(new DailySummary(at, "service", 1000 * (day + 1), 1_048_576L * (day + 1), 900, 50, 7, 60_000, 200_000_000, 10_485_760L * (day + 1), 5000, now), CancellationToken.None);
            await host.Store.AddDailyAsync(new DailySummary(at, "service.2", 1000, 1_048_576L, 900, 50, 3, 30_000, 300_000_000, 10_485_760L * (day + 1), 5000, now), CancellationToken.None);
        }

        // An old day outside the 7-day window.
        await host.Store.AddDailyAsync(new DailySummary(today - (30 * 86_400_000L), "service", 1, 1, 1, 1, 1, 1, 1, 1, 1, now), CancellationToken.None);
        TestUser staff = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(staff);
        Answer page = await client.GetAsync("/admin/service?days=7");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var charts = Regex.Matches(page.Body, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToList();
        Assert.Equal(6, charts.Count);
        XNamespace svg = "http://www.w3.org/2000/svg";
        foreach (XElement chart in charts)
        {
            foreach (XElement line in chart.Descendants(svg + "polyline"))
            {
                Assert.Equal(5, line.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length); // one point per day in the window
            }
        }

        // Bandwidth in: instances summed (day 5: 5 MiB + 1 MiB = 6 MiB is the top of the axis).
        XElement bandwidth = charts.Single(c => c.Attribute("aria-label")!.Value == "Bandwidth in per day");
        Assert.Contains(bandwidth.Elements(svg + "text"), t => t.Value == "6");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/admin/service?days=0")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/admin/service?days=7%27%20OR%201=1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/service")).Status);

        TestUser customerAdmin = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        using ConsoleClient acme = host.Client();
        await acme.LoginAsync(customerAdmin);
        Assert.Equal(HttpStatusCode.Forbidden, (await acme.GetAsync("/admin/service")).Status);
        Assert.DoesNotContain("/admin/service", (await acme.GetAsync("/")).Body, StringComparison.Ordinal);
        Assert.Contains("/admin/service", (await client.GetAsync("/")).Body, StringComparison.Ordinal);
    }
}
