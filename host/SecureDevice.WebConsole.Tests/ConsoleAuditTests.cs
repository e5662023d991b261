using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Console security events reach the append-only audit, with who, what, from where; tenant-scoped on /admin/audit.</summary>
public sealed class ConsoleAuditTests
{
    [Fact]
    public async Task SignIns_Accounts_Roles_Tokens_AreAudited_ScopedAndAppendOnly()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser admin = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        TestUser target = await host.CreateUserAsync("acme-target", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        TestUser staff = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null);
        await host.CreateUserAsync("globex-user", ConsoleRole.Viewer, ConsoleTestHost.Globex);

        using ConsoleClient attacker = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LoginAsync(admin, password: "wrong password here")).Status);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(admin);
        await browser.PostFormAsync("/admin/users", "/admin/users?handler=Role", ("UserId", target.Id.ToString(CultureInfo.InvariantCulture)), ("Role", "operator"));
        await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "ci<b>"), ("Scope", "read"), ("Days", "5"));
        await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "ci"), ("Scope", "read"), ("Days", "5"));
        await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Revoke", ("TokenId", "1"));

        string acmeView = (await browser.GetAsync("/admin/audit")).Body;
        foreach (string expected in new[]
        {
            "<td>sign-in.failed</td><td>acme-admin</td><td>127.0.0.1</td>", "<td>sign-in</td><td>acme-admin</td><td>127.0.0.1</td>",
            "<td>account.create</td><td>acme-target as viewer</td>", "<td>console:acme-admin</td><td>role.change</td><td>acme-target to operator</td>",
            "<td>console:acme-admin</td><td>token.create</td><td>ci (read, 5 days)</td>", "<td>token.revoke</td><td>token #1</td>",
        })
        {
            Assert.Contains(expected, acmeView, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("globex-user", acmeView, StringComparison.Ordinal);
        using ConsoleClient staffBrowser = host.Client();
        await staffBrowser.LoginAsync(staff);
        Assert.Contains("globex-user as viewer", (await staffBrowser.GetAsync("/admin/audit")).Body, StringComparison.Ordinal);

        await using var connection = new SqliteConnection("Data Source=" + System.IO.Path.Combine(host.App.Environment.ContentRootPath, SecureDevice.Service.Storage.SqliteDialect.FileName));
        await connection.OpenAsync();
        foreach (string change in new[] { "UPDATE console_audit SET actor = 'x'", "DELETE FROM console_audit" })
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = change;
            await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
        }
    }

    /// <summary>
    /// <c>/admin/audit</c>'s console security events are keyset-paged (<c>sbefore</c>, the page size of the filter):
    /// walking the "Older security events" links shows every event of the admin's tenant exactly once, never another
    /// tenant's; a cursor outside its schema is 400.
    /// </summary>
    [Fact]
    public async Task SecurityEvents_AreKeysetPaged_EveryEventOnce_TenantScoped_BadCursor400()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser admin = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (int i = 0; i < 7; i++)
        {
            await host.Accounts.Store.AppendAuditAsync("acme-admin", "token.create", "acme-event-" + i, ConsoleTestHost.Acme, "127.0.0.1", now + i, default);
            await host.Accounts.Store.AppendAuditAsync("globex-admin", "token.create", "globex-event-" + i, ConsoleTestHost.Globex, "127.0.0.1", now + i, default);
        }

        using ConsoleClient client = host.Client();
        await client.LoginAsync(admin);
        var seen = new System.Collections.Generic.List<string>();
        string? path = "/admin/audit?size=3";
        int pages = 0;
        while (path != null)
        {
            Answer page = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.DoesNotContain("globex-event-", page.Body, StringComparison.Ordinal);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(page.Body, "acme-event-\\d"))
            {
                seen.Add(m.Value);
            }

            System.Text.RegularExpressions.Match next = System.Text.RegularExpressions.Regex.Match(page.Body, "href=\"([^\"]*)\">Older security events");
            path = next.Success ? System.Net.WebUtility.HtmlDecode(next.Groups[1].Value) : null;
            Assert.True(++pages < 20, "the pages never end");
        }

        Assert.Equal(System.Linq.Enumerable.Range(0, 7).Select(i => "acme-event-" + i).Reverse(), seen);
        Assert.True(pages >= 3, pages + " pages"); // 7 events (and the sign-in's own) at 3 per page
        foreach (string bad in new[] { "abc", "-1", "0", "1 OR 1=1", "1;DROP TABLE console_audit" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/admin/audit?sbefore=" + Uri.EscapeDataString(bad))).Status);
        }
    }
}
