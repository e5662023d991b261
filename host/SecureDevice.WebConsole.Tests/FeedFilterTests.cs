using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Queries;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Filters and keyset paging of the feed and the audit log (<see cref="FeedQueries"/>), on SQLite and PostgreSQL, and through the pages.</summary>
public sealed class FeedFilterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Classic payloads: quote breaking, comments, stacked statements, tautologies, LIKE wildcards, NUL, Unicode quotes.</summary>
    public static readonly string[] Injections =
    {
        "' OR '1'='1", "' OR 1=1 --", "x'; DROP TABLE actions; --", "\" OR \"\"=\"", "1) OR (1=1", "%", "_", "*/ OR /*", "'||(SELECT device_id FROM devices)||'",
        "dev-acme-1' --", "1; DELETE FROM findings", "\0", "\u02bc OR 1=1 --", "<script>alert(1)</script>",
    };

    private static ListFilter Filter(string? device = null, string? kind = null, string? level = null, long? from = null, long? to = null, long? before = null, int size = 50) =>
        new(device, kind, level, from, to, before, size);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Queries_FilterPageAndScope_AndInjectionPayloadsMatchNothingAndChangeNothing(string dialectName)
    {
        using var folder = new TemporaryDirectory("feed-filter");
        using PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "feed");
        await using var store = new FleetStore(dialect);
        const long T0 = 1_700_000_000_000;
        await store.MigrateAsync(T0, None);
        await store.SyncRegistryAsync(new[]
        {
            new RegistryEntry("dev-a", "acme", "01", new string('a', 64), T0 + 86_400_000, T0, "active", null),
            new RegistryEntry("dev-b", "acme", "02", new string('b', 64), T0 + 86_400_000, T0, "active", null),
            new RegistryEntry("dev-g", "globex", "03", new string('c', 64), T0 + 86_400_000, T0, "active", null),
        }, T0, None);
        string[] devices = { "dev-a", "dev-b", "dev-g" };
        string[] kinds = { "throttle", "quarantine", "offer" };
        for (int i = 0; i < 120; i++)
        {
            await store.RecordActionAsync(new ActionRecord(0, devices[i % 3], kinds[i % 3 == 0 ? 0 : i % 2 + 1], "service", "r" + i, T0 + (i * 60_000L), i % 5 == 0 ? "failed" : "done", null), null, null, null, None);
        }

        for (int i = 0; i < 9; i++)
        {
            await store.UpsertFindingAsync(new FindingRecord(0, devices[i % 3], "rule-" + i, i % 2 == 0 ? "warning" : "critical", true, null, null, "e" + i, T0 + (i * 3_600_000L), T0 + (i * 3_600_000L) + 60_000, "open"), None);
            await store.AddAlertAsync(new AlertRecord(0, i % 3 == 2 ? "globex" : "acme", devices[i % 3], "rule-" + i, "email", "queued", 0, null, "k" + i, T0 + (i * 3_600_000L), T0 + (i * 3_600_000L)), None);
        }

        var queries = new FeedQueries(dialect);

        // Keyset paging: 120 rows in pages of 50, 50, 20, newest first, no overlap; rows added meanwhile do not shift page 2.
        ListPage<ActionRecord> first = await queries.ActionsAsync(null, Filter(), None);
        Assert.Equal(50, first.Rows.Count);
        await store.RecordActionAsync(new ActionRecord(0, "dev-a", "lift", "service", "new", T0 + 999_999_999, "done", null), null, null, null, None);
        ListPage<ActionRecord> second = await queries.ActionsAsync(null, Filter(before: first.NextBefore), None);
        ListPage<ActionRecord> third = await queries.ActionsAsync(null, Filter(before: second.NextBefore), None);
        Assert.Equal(new[] { 50, 20 }, new[] { second.Rows.Count, third.Rows.Count });
        Assert.Null(third.NextBefore);
        var ids = first.Rows.Concat(second.Rows).Concat(third.Rows).Select(a => a.Id).ToList();
        Assert.Equal(120, ids.Distinct().Count());
        Assert.Equal(ids.OrderByDescending(id => id), ids);
        Assert.DoesNotContain(ids, id => first.Rows.All(r => r.Id != id) && id > first.Rows[0].Id);

        // Each filter selects exactly its rows.
        IReadOnlyList<ActionRecord> all = (await queries.ActionsAsync(null, Filter(size: 200), None)).Rows;
        Assert.Equal(121, all.Count);
        Assert.Equal(all.Where(a => a.DeviceId == "dev-b").Select(a => a.Id), (await queries.ActionsAsync(null, Filter(device: "dev-b", size: 200), None)).Rows.Select(a => a.Id));
        Assert.Equal(all.Where(a => a.Kind == "offer").Select(a => a.Id), (await queries.ActionsAsync(null, Filter(kind: "offer", size: 200), None)).Rows.Select(a => a.Id));
        Assert.Equal(all.Where(a => a.Outcome == "failed").Select(a => a.Id), (await queries.ActionsAsync(null, Filter(level: "failed", size: 200), None)).Rows.Select(a => a.Id));
        long from = T0 + (30 * 60_000L), to = T0 + (40 * 60_000L);
        Assert.Equal(all.Where(a => a.AtMs >= from && a.AtMs < to).Select(a => a.Id), (await queries.ActionsAsync(null, Filter(from: from, to: to, size: 200), None)).Rows.Select(a => a.Id));
        Assert.Equal(10, (await queries.ActionsAsync(null, Filter(from: from, to: to), None)).Rows.Count);

        // Tenant scope in SQL: acme never sees globex's rows, even when it asks for them by id.
        Assert.Empty((await queries.ActionsAsync("acme", Filter(device: "dev-g"), None)).Rows);
        Assert.DoesNotContain((await queries.ActionsAsync("acme", Filter(size: 200), None)).Rows, a => a.DeviceId == "dev-g");
        Assert.DoesNotContain((await queries.FindingsAsync("acme", Filter(), None)).Rows, f => f.DeviceId == "dev-g");
        Assert.DoesNotContain((await queries.AlertsAsync("acme", Filter(), None)).Rows, a => a.CustomerId == "globex");
        Assert.Equal(new[] { "rule-2" }, (await queries.FindingsAsync(null, Filter(kind: "rule-2"), None)).Rows.Select(f => f.Rule));
        Assert.Equal(5, (await queries.FindingsAsync(null, Filter(level: "warning"), None)).Rows.Count);
        Assert.Equal(new[] { "rule-4", "rule-3" }, (await queries.FindingsAsync(null, Filter(from: T0 + (3 * 3_600_000L), to: T0 + (5 * 3_600_000L)), None)).Rows.Select(f => f.Rule));
        ListPage<FindingRecord> findingsPage = await queries.FindingsAsync(null, Filter(size: 4), None);
        Assert.Equal(4, findingsPage.Rows.Count);
        Assert.Equal(4, (await queries.FindingsAsync(null, Filter(size: 4, before: findingsPage.NextBefore), None)).Rows.Count);

        // Injection payloads in every field (validation bypassed: the statement itself must hold).
        foreach (string payload in Injections)
        {
            Assert.Empty((await queries.ActionsAsync(null, Filter(device: payload), None)).Rows);
            Assert.Empty((await queries.ActionsAsync(null, Filter(kind: payload), None)).Rows);
            Assert.Empty((await queries.ActionsAsync(null, Filter(level: payload), None)).Rows);
            Assert.Empty((await queries.ActionsAsync(payload, Filter(), None)).Rows);
            Assert.Empty((await queries.FindingsAsync(null, Filter(device: payload), None)).Rows);
            Assert.Empty((await queries.FindingsAsync(null, Filter(kind: payload), None)).Rows);
            Assert.Empty((await queries.FindingsAsync(null, Filter(level: payload), None)).Rows);
            Assert.Empty((await queries.FindingsAsync(payload, Filter(), None)).Rows);
            Assert.Empty((await queries.AlertsAsync(null, Filter(device: payload), None)).Rows);
            Assert.Empty((await queries.AlertsAsync(null, Filter(kind: payload), None)).Rows);
            Assert.Empty((await queries.AlertsAsync(null, Filter(level: payload), None)).Rows);
            Assert.Empty((await queries.AlertsAsync(payload, Filter(), None)).Rows);
        }

        Assert.Equal(121, (await queries.ActionsAsync(null, Filter(size: 200), None)).Rows.Count);
        Assert.Equal(9, (await queries.FindingsAsync(null, Filter(), None)).Rows.Count);
        Assert.Equal(9, (await queries.AlertsAsync(null, Filter(), None)).Rows.Count);
        Assert.Equal(3, (await store.ListDevicesAsync(None)).Count);
    }

    [Fact]
    public void ListFilter_ParsesAndBoundsEveryField()
    {
        Assert.True(ListFilter.TryParse("dev-a", "offer", "done", "2026-11-30T10:00", "2026-11-30T11:00", "42", "200", out ListFilter ok, out _));
        Assert.Equal(new ListFilter("dev-a", "offer", "done", 1_796_032_800_000, 1_796_036_400_000, 42, 200), ok);
        Assert.True(ListFilter.TryParse(null, "", null, null, null, null, null, out ListFilter empty, out _));
        Assert.Equal(new ListFilter(null, null, null, null, null, null, ListFilter.DefaultPageSize), empty);
        Assert.Equal("dev-a", ok.Route(7)["device"]);
        Assert.Equal("2026-11-30T10:00", ok.Route(7)["from"]);
        Assert.Equal("7", ok.Route(7)["before"]);
        foreach ((string? device, string? kind, string? level, string? from, string? to, string? before, string? size) in new (string?, string?, string?, string?, string?, string?, string?)[]
        {
            ("dev/+", null, null, null, null, null, null), (new string('a', 65), null, null, null, null, null, null), (null, "Offer", null, null, null, null, null),
            (null, "a b", null, null, null, null, null), (null, null, "x'--", null, null, null, null), (null, null, null, "yesterday", null, null, null),
            (null, null, null, "2026-11-30T10:00", "2026-11-30T09:00", null, null), (null, null, null, null, null, "-1", null), (null, null, null, null, null, "0", null),
            (null, null, null, null, null, "1e3", null), (null, null, null, null, null, null, "0"), (null, null, null, null, null, null, "201"),
            (null, null, null, null, null, null, "99999999999"), (null, null, null, "0001-01-01T00:00", null, null, null),
        })
        {
            Assert.False(ListFilter.TryParse(device, kind, level, from, to, before, size, out _, out string error));
            Assert.NotEmpty(error);
        }
    }

    [Fact]
    public async Task Pages_InjectionPayloadsInEveryFilter_Are400OrEmpty_AndTheTablesSurvive()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser admin = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(admin);
        int actions = (await host.Store.ListActionsAsync(null, 1000, None)).Count, findings = (await host.Store.ListFindingsAsync(null, false, 1000, None)).Count;
        var failures = new List<string>();
        foreach (string page in new[] { "/feed", "/admin/audit", "/updates" })
        {
            foreach (string name in new[] { "device", "kind", "level", "from", "to", "before", "abefore", "size" })
            {
                foreach (string payload in Injections)
                {
                    Answer answer = await client.GetAsync(page + "?" + name + "=" + Uri.EscapeDataString(payload));
                    bool empty = !answer.Body.Contains("href=\"/devices/", StringComparison.Ordinal) && !answer.Body.Contains("<td>" + ConsoleTestHost.AcmeDevice, StringComparison.Ordinal);
                    if (!(answer.Status == HttpStatusCode.BadRequest || (answer.Status == HttpStatusCode.OK && (empty || page == "/updates" || name == "abefore"))))
                    {
                        failures.Add(page + " " + name + "=" + payload + ": " + (int)answer.Status);
                    }

                    if (answer.Body.Contains("<script>", StringComparison.Ordinal))
                    {
                        failures.Add(page + " " + name + ": the payload is echoed unencoded");
                    }
                }
            }
        }

        Assert.Empty(failures);
        Assert.Equal(actions, (await host.Store.ListActionsAsync(null, 1000, None)).Count);
        Assert.Equal(findings, (await host.Store.ListFindingsAsync(null, false, 1000, None)).Count);

        // A filter that matches, and the page size bound.
        Answer filtered = await client.GetAsync("/feed?device=" + ConsoleTestHost.AcmeDevice + "&kind=power-bandwidth-rise&level=warning");
        Assert.Equal(HttpStatusCode.OK, filtered.Status);
        Assert.Contains("href=\"/devices/" + ConsoleTestHost.AcmeDevice + "\"", filtered.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/devices/" + ConsoleTestHost.GlobexDevice + "\"", filtered.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/admin/audit?size=" + (ListFilter.MaxPageSize + 1))).Status);
    }

    [Fact]
    public async Task AuditPage_PagesByKeyset_WithANextLinkThatKeepsTheFilter()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        for (int i = 0; i < 7; i++)
        {
            await host.Store.RecordActionAsync(new ActionRecord(0, ConsoleTestHost.AcmeDevice, "throttle", "service", "page-" + i, 1000 + i, "done", null), null, null, null, None);
        }

        await host.Store.RecordActionAsync(new ActionRecord(0, ConsoleTestHost.AcmeDevice, "lift", "service", "other", 2000, "done", null), null, null, null, None);
        TestUser admin = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(admin);
        Answer page1 = await client.GetAsync("/admin/audit?kind=throttle&size=3");
        Assert.Contains("page-6", page1.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("page-3", page1.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(">other<", page1.Body, StringComparison.Ordinal);
        string next = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page1.Body, "href=\"(/admin/audit\\?[^\"]+)\">Older").Groups[1].Value);
        Assert.Contains("kind=throttle", next, StringComparison.Ordinal);
        Answer page2 = await client.GetAsync(next);
        Assert.Contains("page-3", page2.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("page-6", page2.Body, StringComparison.Ordinal);
    }
}
