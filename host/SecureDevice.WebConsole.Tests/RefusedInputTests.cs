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

    [Fact]
    public async Task UnattachedPageAndApi_StaffOperatorSeesUnknownBrokerOverflow_NeverARegisteredDevice_OthersGet403()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long hour = FleetStore.Hour(now);
        await SeedAsync(host,
            new CounterDelta(ConsoleTestHost.AcmeDevice, "outside-acl", hour, 50, 500, now - 10, "acme device detail"),
            new CounterDelta(ConsoleTestHost.GlobexDevice, "duplicate", hour, 40, 400, now - 10, "globex device detail"),
            new CounterDelta("ghost-device", "unknown-device", hour, 3, 30, now - 100, "not in the registry"),
            new CounterDelta("(broker)", "bad-refusal-report", hour, 2, 20, now - 200, "not the report"),
            new CounterDelta("(overflow)", "outside-acl", hour, 9, 90, now - 300, "9 refused"));
        TestUser staffOperator = await host.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        TestUser staffViewer = await host.CreateUserAsync("staff-viewer", ConsoleRole.Viewer, null);
        TestUser acmeAdmin = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        TestUser acmeOperator = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);

        using ConsoleClient staff = host.Client();
        await staff.LoginAsync(staffOperator);
        Answer page = await staff.GetAsync("/refused");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(
            new[]
            {
                "<td><code>(overflow)</code></td><td>outside-acl</td><td>9</td><td>90</td><td>" + Utc(now - 300) + "</td><td><code>9 refused</code></td>",
                "<td><code>ghost-device</code></td><td>unknown-device</td><td>3</td><td>30</td><td>" + Utc(now - 100) + "</td><td><code>not in the registry</code></td>",
                "<td><code>(broker)</code></td><td>bad-refusal-report</td><td>2</td><td>20</td><td>" + Utc(now - 200) + "</td><td><code>not the report</code></td>",
            },
            Rows(UnattachedSection(page.Body)));
        Assert.DoesNotContain("device detail", page.Body, StringComparison.Ordinal); // registered devices' counters are on their pages only
        Assert.DoesNotContain("more ids not shown", page.Body, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/refused\">", (await staff.GetAsync("/")).Body, StringComparison.Ordinal); // in the staff operator's navigation

        using ConsoleClient api = host.Client();
        Answer answer = await api.ApiAsync("GET", "/api/v1/refused?scope=unattached", await ApiTests.IssueAsync(host, staffOperator));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        JsonElement root = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal(new[] { "(overflow)", "ghost-device", "(broker)" }, root.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(3, root.GetProperty("idsShown").GetInt32());
        Assert.Equal(0, root.GetProperty("idsNotShown").GetInt64());
        Assert.DoesNotContain("device detail", answer.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.ApiAsync("GET", "/api/v1/refused", await ApiTests.IssueAsync(host, staffOperator))).Status);

        // Everyone else: 403 on the page and the API with nothing read, and no link. A read token of staff acts as a viewer.
        foreach (TestUser user in new[] { staffViewer, acmeAdmin, acmeOperator })
        {
            using ConsoleClient browser = host.Client();
            await browser.LoginAsync(user);
            Answer refused = await browser.GetAsync("/refused");
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
            Assert.DoesNotContain("ghost-device", refused.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("href=\"/refused\"", (await browser.GetAsync("/")).Body, StringComparison.Ordinal);
            Answer denied = await api.ApiAsync("GET", "/api/v1/refused?scope=unattached", await ApiTests.IssueAsync(host, user));
            Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
            Assert.DoesNotContain("ghost-device", denied.Body, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await api.ApiAsync("GET", "/api/v1/refused?scope=unattached", await IssueReadAsync(host, staffOperator))).Status);
    }

    [Fact]
    public async Task UnattachedPageAndApi_HostileIdAndDetail_RenderedEscaped_NoMarkupNoBidiNoControl()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        const string hostileId = "id<script>x</script>\u202Eevil\u001b[2J";
        await SeedAsync(host, new CounterDelta(hostileId, "unknown-device", FleetStore.Hour(now), 1, 5, now - 10, Hostile));
        TestUser op = await host.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(op);

        string section = UnattachedSection((await browser.GetAsync("/refused")).Body);
        Assert.DoesNotContain("<script", section, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<code>id&lt;script&gt;x&lt;/script&gt;\\u{202e}evil\\x1b[2J</code>", section, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;q\\u{202e}evil\\x1b[2J\\x0aend", section, StringComparison.Ordinal);
        Assert.DoesNotContain("&#x202E;", section, StringComparison.OrdinalIgnoreCase); // an encoded override is still an override in the browser
        Assert.False(section.Any(c => c == '\u202E' || c == '\u001b'), "a raw control or bidi character in the page");

        using ConsoleClient api = host.Client();
        Answer answer = await api.ApiAsync("GET", "/api/v1/refused?scope=unattached", await ApiTests.IssueAsync(host, op));
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.DoesNotContain("<script", answer.Body, StringComparison.OrdinalIgnoreCase);
        Assert.False(answer.Body.Any(c => c == '\u202E' || c == '\u001b'), "a raw control or bidi character in the JSON");
        JsonElement row = JsonDocument.Parse(answer.Body).RootElement.GetProperty("rows").EnumerateArray().Single();
        Assert.Equal(Printable.Escape(hostileId), row.GetProperty("id").GetString());
        Assert.Equal(Printable.Escape(Hostile), row.GetProperty("lastDetail").GetString());
    }

    [Fact]
    public async Task UnattachedPageAndApi_MoreIdsThanTheCap_TheMostRefusedShown_AndAMoreLine()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long hour = FleetStore.Hour(now);
        int stored = RefusedInput.MaxUnattachedIds + 5;
        // ghost-000 refused once ... ghost-104 105 times: the 5 with fewest are cut. Plus a row of the hour before the window (out, however large).
        await SeedAsync(host, Enumerable.Range(0, stored).Select(i => new CounterDelta("ghost-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), "unknown-device", hour, i + 1, 1, now - 10, null))
            .Append(new CounterDelta("ghost-old", "unknown-device", FleetStore.Hour(now - (RefusedInput.WindowDays * 86_400_000L)) - 3_600_000L, 1_000_000, 1, now - (8 * 86_400_000L), null)).ToArray());
        TestUser op = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(op);

        string section = UnattachedSection((await browser.GetAsync("/refused")).Body);
        string[] rows = Rows(section);
        Assert.Equal(RefusedInput.MaxUnattachedIds, rows.Length);
        Assert.StartsWith("<td><code>ghost-104</code></td>", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("<td><code>ghost-005</code></td>", rows[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("ghost-004", section, StringComparison.Ordinal);
        Assert.DoesNotContain("ghost-old", section, StringComparison.Ordinal);
        Assert.Contains("5 more ids not shown", section, StringComparison.Ordinal);

        using ConsoleClient api = host.Client();
        JsonElement root = JsonDocument.Parse((await api.ApiAsync("GET", "/api/v1/refused?scope=unattached", await ApiTests.IssueAsync(host, op))).Body).RootElement;
        Assert.Equal(RefusedInput.MaxUnattachedIds, root.GetProperty("rows").GetArrayLength());
        Assert.Equal(5, root.GetProperty("idsNotShown").GetInt64());
    }

    private static async Task<string> IssueReadAsync(ConsoleTestHost host, TestUser owner)
    {
        var store = (Api.ApiTokenStore)host.App.Services.GetService(typeof(Api.ApiTokenStore))!;
        string token = Api.ApiTokenFormat.Create(System.Security.Cryptography.RandomNumberGenerator.Create());
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await store.AddAsync(Api.ApiTokenFormat.Hash(token), owner.Id, "test", Api.ApiScope.Read, now, now + 3_600_000, default);
        return token;
    }

    /// <summary>The /refused page's table and the lines after it.</summary>
    private static string UnattachedSection(string page)
    {
        Match section = Regex.Match(page, "<h2>Unattached ids.*?</main>", RegexOptions.Singleline);
        Assert.True(section.Success, "no Unattached ids section");
        return section.Value;
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
