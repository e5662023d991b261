using System;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// A device's refused input (the service's per-device counters) on its page and at <c>GET /api/v1/devices/{id}/refused</c>
/// (<see cref="RefusedInput"/>): that device's counters only, summed per reason over the window, the device's text escaped,
/// the tenant rule of the device's other data, a hard cap on rows.
/// </summary>
public sealed class RefusedInputTests
{
    /// <summary>Markup, both quotes, a bidi override, an escape sequence and a newline: what a hostile client can put in a topic.</summary>
    private const string Hostile = "topic devices/x/<script>alert('x')</script>\"q\u202Eevil\u001b[2J\nend";

    [Fact]
    public async Task DevicePage_RefusedInput_ListsThatDevicesCountersOnly_SummedPerReasonOverTheWindow()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long hour = FleetStore.Hour(now);
        await SeedAsync(host,
            new CounterDelta(ConsoleTestHost.AcmeDevice, "outside-acl", hour - (5 * 3_600_000L), 3, 300, hour - (5 * 3_600_000L) + 10, "older acl detail"),
            new CounterDelta(ConsoleTestHost.AcmeDevice, "outside-acl", hour, 4, 40, now - 1000, "newest acl detail"),
            new CounterDelta(ConsoleTestHost.AcmeDevice, "duplicate", hour, 2, 64, now - 5000, "boot 2 seq 7 stored already"),
            new CounterDelta(ConsoleTestHost.AcmeDevice, "too-large", hour - (8 * 86_400_000L), 9, 9000, hour - (8 * 86_400_000L), "eight days old"),
            new CounterDelta(ConsoleTestHost.GlobexDevice, "malformed-cbor", hour, 1, 10, now - 100, "globex only detail"),
            new CounterDelta("ghost-device", "unknown-device", hour, 1, 10, now - 100, "ghost only detail"));
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(viewer);

        Answer page = await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        string[] rows = Rows(Section(page.Body));
        Assert.Equal(2, rows.Length); // duplicate, outside-acl: not the 8-day-old row, not the other devices'
        Assert.Equal("<td>duplicate</td><td>2</td><td>64</td><td>" + Utc(now - 5000) + "</td><td><code>boot 2 seq 7 stored already</code></td>", rows[0]);
        Assert.Equal("<td>outside-acl</td><td>7</td><td>340</td><td>" + Utc(now - 1000) + "</td><td><code>newest acl detail</code></td>", rows[1]);
        Assert.DoesNotContain("globex only detail", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("ghost only detail", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("eight days old", page.Body, StringComparison.Ordinal);
        Assert.Contains("<code>outside-acl</code> = publishes the broker's ACL refused", page.Body, StringComparison.Ordinal); // the legend (page text, not encoded)
    }

    [Fact]
    public async Task DevicePageAndApi_HostileDetail_RenderedEscaped_NoMarkupNoBidiNoControl()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await SeedAsync(host, new CounterDelta(ConsoleTestHost.AcmeDevice, "bad-topic", FleetStore.Hour(now), 1, 5, now - 10, Hostile));
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(op);

        string section = Section((await browser.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice)).Body);
        Assert.DoesNotContain("<script", section, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;q\\u{202e}evil\\x1b[2J\\x0aend", section, StringComparison.Ordinal);
        Assert.DoesNotContain("&#x202E;", section, StringComparison.OrdinalIgnoreCase); // an encoded override is still an override in the browser
        Assert.False(section.Any(c => c == '\u202E' || c == '\u001b'), "a raw control or bidi character in the page");

        using ConsoleClient api = host.Client();
        Answer answer = await api.ApiAsync("GET", "/api/v1/devices/" + ConsoleTestHost.AcmeDevice + "/refused", await ApiTests.IssueAsync(host, op));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.DoesNotContain("<script", answer.Body, StringComparison.OrdinalIgnoreCase);
        Assert.False(answer.Body.Any(c => c == '\u202E' || c == '\u001b'), "a raw control or bidi character in the JSON");
        JsonElement row = JsonDocument.Parse(answer.Body).RootElement.EnumerateArray().Single();
        Assert.Equal("bad-topic", row.GetProperty("reason").GetString());
        Assert.Equal(1, row.GetProperty("count").GetInt64());
        Assert.Equal(5, row.GetProperty("bytes").GetInt64());
        Assert.Equal(now - 10, row.GetProperty("lastMs").GetInt64());
        Assert.Equal(Printable.Escape(Hostile), row.GetProperty("lastDetail").GetString()); // decoded: the text with the controls made visible, nothing else changed
    }

    [Fact]
    public async Task Api_Refused_AnotherCustomersDevice_Is404LikeTheOtherDeviceRoutes_StaffSeeIt()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await SeedAsync(host, new CounterDelta(ConsoleTestHost.GlobexDevice, "outside-acl", FleetStore.Hour(now), 6, 60, now - 10, "globex secret topic"));
        TestUser acme = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        TestUser staff = await host.CreateUserAsync("staff-viewer", ConsoleRole.Viewer, null);
        using ConsoleClient api = host.Client();
        string foreign = "/api/v1/devices/" + ConsoleTestHost.GlobexDevice;

        string token = await ApiTests.IssueAsync(host, acme);
        Answer refused = await api.ApiAsync("GET", foreign + "/refused", token);
        Answer findings = await api.ApiAsync("GET", foreign + "/findings", token);
        Answer missing = await api.ApiAsync("GET", "/api/v1/devices/no-such-device/refused", token);
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Equal(findings.Status, refused.Status);
        Assert.Equal(missing.Body, refused.Body); // a foreign device and a missing one answer alike
        Assert.DoesNotContain("globex secret topic", refused.Body, StringComparison.Ordinal);

        Answer seen = await api.ApiAsync("GET", foreign + "/refused", await ApiTests.IssueAsync(host, staff));
        Assert.Equal(HttpStatusCode.OK, seen.Status);
        Assert.Contains("globex secret topic", seen.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicePageAndApi_MoreReasonsThanTheCap_ShowTheCapOnly()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long hour = FleetStore.Hour(now);
        int stored = RefusedInput.MaxReasons + 6;
        await SeedAsync(host, Enumerable.Range(0, stored).Select(i => new CounterDelta(ConsoleTestHost.AcmeDevice, "reason-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), hour, 1, 1, now - 10, null)).ToArray());
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(viewer);

        Assert.Equal(RefusedInput.MaxReasons, Rows(Section((await browser.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice)).Body)).Length);
        using ConsoleClient api = host.Client();
        Answer answer = await api.ApiAsync("GET", "/api/v1/devices/" + ConsoleTestHost.AcmeDevice + "/refused", await ApiTests.IssueAsync(host, viewer));
        Assert.Equal(RefusedInput.MaxReasons, JsonDocument.Parse(answer.Body).RootElement.GetArrayLength());
    }

    private static async Task SeedAsync(ConsoleTestHost host, params CounterDelta[] counters)
    {
        var batch = new IngestBatch();
        batch.Counters.AddRange(counters);
        await host.Store.CommitAsync(batch, CancellationToken.None);
    }

    /// <summary>The page's "Refused input" section: from its heading to the next one.</summary>
    private static string Section(string page)
    {
        Match section = Regex.Match(page, "<h2>Refused input.*?(?=<h2>)", RegexOptions.Singleline);
        Assert.True(section.Success, "no Refused input section");
        return section.Value;
    }

    /// <summary>The data rows' cells (the header row has no td).</summary>
    private static string[] Rows(string section) =>
        Regex.Matches(section, "<tr>(<td>.*?)</tr>", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToArray();

    private static string Utc(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
