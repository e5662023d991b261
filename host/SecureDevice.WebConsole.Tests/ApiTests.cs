using System;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Api;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>API tokens from the console (shown once, stored as a hash, revocable), the per-token rate limit, strict JSON bodies.</summary>
public sealed class ApiTests
{
    [Fact]
    public async Task Token_CreatedInTheConsole_ShownOnce_StoredAsHashOnly_WorksUntilRevoked()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(op);

        Answer created = await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "ci"), ("Scope", "operate"), ("Days", "30"));
        Assert.Equal(HttpStatusCode.OK, created.Status);
        string token = Regex.Match(created.Body, "sdp_[0-9A-Za-z]{49}").Value;
        Assert.True(ApiTokenFormat.IsWellFormed(token));
        Assert.DoesNotContain(token, (await browser.GetAsync("/account/tokens")).Body, StringComparison.Ordinal);
        string database = await DumpAsync(host);
        Assert.DoesNotContain(token, database, StringComparison.Ordinal);
        Assert.Contains(ApiTokenFormat.Hash(token), database, StringComparison.Ordinal);

        using ConsoleClient api = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await api.ApiAsync("GET", "/api/v1/devices", token)).Status);
        Assert.DoesNotContain("<td>never</td>", (await browser.GetAsync("/account/tokens")).Body, StringComparison.Ordinal); // last use recorded
        long id = (await ((ApiTokenStore)host.App.Services.GetService(typeof(ApiTokenStore))!).ListAsync(op.Id, default)).Single().Id;

        // Another user cannot revoke it (404, as for an unknown id); its owner can, and it stops working at once.
        TestUser other = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        using ConsoleClient otherBrowser = host.Client();
        await otherBrowser.LoginAsync(other);
        Assert.Equal(HttpStatusCode.NotFound, (await otherBrowser.PostFormAsync("/account/tokens", "/account/tokens?handler=Revoke", ("TokenId", id.ToString(System.Globalization.CultureInfo.InvariantCulture)))).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.ApiAsync("GET", "/api/v1/devices", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Revoke", ("TokenId", id.ToString(System.Globalization.CultureInfo.InvariantCulture)))).Status);
        Answer after = await api.ApiAsync("GET", "/api/v1/devices", token);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
        Assert.Equal("Bearer", after.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Token_OperateScope_RefusedToAViewer_AndOverTheMaximumLifetime()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(viewer);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "x"), ("Scope", "operate"), ("Days", "30"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "x"), ("Scope", "read"), ("Days", "91"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "<script>"), ("Scope", "read"), ("Days", "1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostFormAsync("/account/tokens", "/account/tokens?handler=Create", ("Name", "x"), ("Scope", "read"), ("Days", "90"))).Status);
    }

    [Fact]
    public async Task Api_PerTokenRateLimit_Is429WithRetryAfter_OtherTokensUnaffected()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(apiPermits: 3);
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string first = await IssueAsync(host, op), second = await IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.ApiAsync("GET", "/api/v1/devices", first)).Status);
        }

        Answer limited = await api.ApiAsync("GET", "/api/v1/devices", first);
        Assert.Equal((HttpStatusCode)429, limited.Status);
        Assert.True(int.Parse(limited.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 60);
        Assert.Equal(HttpStatusCode.OK, (await api.ApiAsync("GET", "/api/v1/devices", second)).Status);

        // Random garbage tokens share the budget of their address, not a fresh one each.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.ApiAsync("GET", "/api/v1/devices", "garbage-" + i)).Status);
        }

        Assert.Equal((HttpStatusCode)429, (await api.ApiAsync("GET", "/api/v1/devices", "garbage-x")).Status);
    }

    [Theory]
    [InlineData("{\"kind\":\"lift\",\"reason\":\"ok\",\"extra\":1}", "application/json")]
    [InlineData("{\"kind\":\"lift\"}", "application/json")]
    [InlineData("{\"kind\":1,\"reason\":\"ok\"}", "application/json")]
    [InlineData("{\"kind\":\"explode\",\"reason\":\"ok\"}", "application/json")]
    [InlineData("{\"kind\":\"lift\",\"reason\":\"ok\"", "application/json")]
    [InlineData("{\"kind\":\"lift\",\"reason\":\"ok\"}", "text/plain")]
    [InlineData("{\"kind\":\"revoke\",\"reason\":\"ok\",\"confirm\":\"dev-other\"}", "application/json")]
    [InlineData("{\"kind\":\"lift\",\"reason\":\"PADDING\"}", "application/json")]
    public async Task Api_ActionBody_OutsideTheSchema_Is400_AndNothingHappens(string body, string contentType)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        Answer answer = await api.ApiAsync("POST", "/api/v1/devices/" + ConsoleTestHost.AcmeDevice + "/actions", token, body.Replace("PADDING", new string('a', 1100), StringComparison.Ordinal), contentType);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Empty(host.Response.Requests);

        Answer good = await api.ApiAsync("POST", "/api/v1/devices/" + ConsoleTestHost.AcmeDevice + "/actions", token, "{\"kind\":\"throttle\",\"reason\":\"api\"}");
        Assert.Equal(HttpStatusCode.OK, good.Status);
        Assert.Contains(host.Response.Requests, r => r.DeviceId == ConsoleTestHost.AcmeDevice && r.Actor.StartsWith("api:acme-operator@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_OwnerWithAnUnknownStoredRole_IsRefused()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await api.ApiAsync("GET", "/api/v1/devices", token)).Status);
        await using (var connection = new SqliteConnection("Data Source=" + System.IO.Path.Combine(host.App.Environment.ContentRootPath, SecureDevice.Service.Storage.SqliteDialect.FileName)))
        {
            await connection.OpenAsync();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "UPDATE console_users SET role = 'superuser' WHERE username = 'acme-operator'";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.ApiAsync("GET", "/api/v1/devices", token)).Status);
    }

    internal static async Task<string> IssueAsync(ConsoleTestHost host, TestUser owner)
    {
        var store = (ApiTokenStore)host.App.Services.GetService(typeof(ApiTokenStore))!;
        string token = ApiTokenFormat.Create(System.Security.Cryptography.RandomNumberGenerator.Create());
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await store.AddAsync(ApiTokenFormat.Hash(token), owner.Id, "test", ApiScope.Operate, now, now + 3_600_000, default);
        return token;
    }

    private static async Task<string> DumpAsync(ConsoleTestHost host)
    {
        await using var connection = new SqliteConnection("Data Source=" + System.IO.Path.Combine(host.App.Environment.ContentRootPath, SecureDevice.Service.Storage.SqliteDialect.FileName) + ";Mode=ReadOnly");
        await connection.OpenAsync();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT token_sha256 || ' ' || name || ' ' || scope FROM console_api_tokens";
        var text = new System.Text.StringBuilder();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            text.AppendLine(reader.GetString(0));
        }

        return text.ToString();
    }
}
