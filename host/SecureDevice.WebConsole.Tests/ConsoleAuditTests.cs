using System;
using System.Globalization;
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
}
