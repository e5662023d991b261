using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

public sealed class SessionTests
{
    [Fact]
    public async Task Login_SetsSessionCookie_HostPrefixedHttpOnlySecureStrictWithoutExpiry()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser user = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        Answer login = await client.LoginAsync(user);
        string cookie = login.SetCookies.Single(c => c.StartsWith("__Host-sd_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("; secure", cookie, StringComparison.Ordinal);
        Assert.Contains("; httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("; samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("; path=/", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("expires=", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("max-age=", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("domain=", cookie, StringComparison.Ordinal);
        Assert.True(client.Session!.Length >= 43); // 256 random bits
        string antiforgery = login.SetCookies.Concat((await client.GetAsync("/login")).SetCookies).FirstOrDefault(c => c.StartsWith("__Host-sd_af=", StringComparison.Ordinal))?.ToLowerInvariant() ?? "; secure; samesite=strict; httponly";
        Assert.Contains("samesite=strict", antiforgery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WithPlantedSessionId_IssuesANewIdAndThePlantedOneIsDead()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser attacker = await host.CreateUserAsync("mallory", ConsoleRole.Viewer, ConsoleTestHost.Globex);
        TestUser victim = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient attackerClient = host.Client();
        await attackerClient.LoginAsync(attacker);
        string planted = attackerClient.Session!;

        using ConsoleClient victimClient = host.Client();
        victimClient.Cookies["__Host-sd_session"] = planted; // fixation: the attacker's id planted in the victim's browser
        Assert.Equal(HttpStatusCode.Found, (await victimClient.LoginAsync(victim)).Status);
        Assert.NotEqual(planted, victimClient.Session);
        Assert.Contains("vera", (await victimClient.GetAsync("/")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, (await attackerClient.GetAsync("/")).Status); // the planted id was ended
    }

    [Fact]
    public async Task Session_IdleFor15Minutes_Ends()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser user = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(user);
        host.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).Status);
        host.Clock.Advance(TimeSpan.FromMinutes(15));
        Answer idle = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Found, idle.Status);
        Assert.Equal("/login", idle.Location);
    }

    [Fact]
    public async Task Session_InUse_EndsAfter8Hours()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser user = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(user);
        for (int i = 0; i < 47; i++)
        {
            host.Clock.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).Status);
        }

        host.Clock.Advance(TimeSpan.FromMinutes(10)); // 8 h since login
        Assert.Equal(HttpStatusCode.Found, (await client.GetAsync("/")).Status);
    }

    [Fact]
    public async Task Logout_StolenCopyOfTheCookieAndOtherSessions_StopWorking()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser user = await host.CreateUserAsync("ops", ConsoleRole.Operator, null);
        using ConsoleClient browser = host.Client();
        using ConsoleClient laptop = host.Client();
        await browser.LoginAsync(user);
        await laptop.LoginAsync(user);
        using ConsoleClient thief = host.Client();
        thief.Cookies["__Host-sd_session"] = browser.Session!;
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/")).Status);

        Answer logout = await browser.PostFormAsync("/", "/logout");
        Assert.Equal(HttpStatusCode.Found, logout.Status);
        Assert.Null(browser.Session);
        Assert.Equal(HttpStatusCode.Found, (await thief.GetAsync("/")).Status);
        Assert.Equal(HttpStatusCode.Found, (await laptop.GetAsync("/")).Status);
        Assert.Equal(0, await host.Accounts.Store.CountSessionsAsync(user.Id, CancellationToken.None));
    }

    [Fact]
    public async Task PasswordChange_EndsEverySession_NewPasswordWorks()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser user = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient one = host.Client();
        using ConsoleClient two = host.Client();
        await one.LoginAsync(user);
        await two.LoginAsync(user);
        Answer weak = await one.PostFormAsync("/account/password", "/account/password", ("Current", user.Password), ("Password", "qwerty123456"), ("Confirm", "qwerty123456"));
        Assert.Equal(HttpStatusCode.BadRequest, weak.Status);
        Assert.Equal(HttpStatusCode.OK, (await two.GetAsync("/")).Status);

        const string NewPassword = "lantern orbit meadow 58";
        Answer changed = await one.PostFormAsync("/account/password", "/account/password", ("Current", user.Password), ("Password", NewPassword), ("Confirm", NewPassword));
        Assert.Equal(HttpStatusCode.Found, changed.Status);
        Assert.Equal(HttpStatusCode.Found, (await one.GetAsync("/")).Status);
        Assert.Equal(HttpStatusCode.Found, (await two.GetAsync("/")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await two.LoginAsync(user)).Status);
        Assert.Equal(HttpStatusCode.Found, (await two.LoginAsync(user, password: NewPassword)).Status);
    }

    [Fact]
    public async Task RoleChange_EndsTheAccountsSessions_NewRoleAppliesAtNextLogin()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser admin = await host.CreateUserAsync("root", ConsoleRole.Admin, null);
        TestUser op = await host.CreateUserAsync("ops", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient adminClient = host.Client();
        using ConsoleClient opClient = host.Client();
        await adminClient.LoginAsync(admin);
        await opClient.LoginAsync(op);
        Assert.Equal(HttpStatusCode.OK, (await opClient.GetAsync("/")).Status);

        Answer demoted = await adminClient.PostFormAsync("/admin/users", "/admin/users?handler=Role", ("UserId", op.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("Role", "viewer"));
        Assert.Equal(HttpStatusCode.OK, demoted.Status);
        Assert.Equal(HttpStatusCode.Found, (await opClient.GetAsync("/")).Status);
        await opClient.LoginAsync(op);
        Answer act = await opClient.PostFormAsync("/devices/" + ConsoleTestHost.AcmeDevice, "/devices/" + ConsoleTestHost.AcmeDevice + "?handler=Action", ("Kind", "throttle"), ("Reason", "test"));
        Assert.Equal(HttpStatusCode.Forbidden, act.Status);
    }

    [Fact]
    public async Task Session_CookieUsedFromAnotherAddress_EndsForEveryHolder_AuditedAndCountedAsAFailure()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => o with { BurstThreshold = 2 });
        TestUser op = await host.CreateUserAsync("acme-op", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient owner = host.Client(IPAddress.Parse("127.0.0.2"));
        Assert.Equal(HttpStatusCode.Redirect, (await owner.LoginAsync(op)).Status);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/")).Status);

        using ConsoleClient thief = host.Client(IPAddress.Parse("127.0.0.3"));
        thief.Cookies["__Host-sd_session"] = owner.Session!;
        Answer stolen = await thief.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, stolen.Status);
        Assert.Equal("/login", stolen.Location);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.GetAsync("/")).Status);
        Assert.Equal(0, await host.Accounts.Store.CountSessionsAsync(op.Id, CancellationToken.None));
        var audit = (await host.Accounts.Store.ListAuditAsync(null, 50, CancellationToken.None)).Single(a => a.Action == "session.ended.address-changed");
        Assert.Equal("127.0.0.3", audit.Address);
        Assert.Contains("signed in from 127.0.0.2", audit.Subject, StringComparison.Ordinal);

        // Counted: a second travelled cookie from the same address makes a burst (threshold 2 here) and pauses it.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.LoginAsync(op)).Status);
        thief.Cookies["__Host-sd_session"] = owner.Session!;
        Assert.Equal(HttpStatusCode.Redirect, (await thief.GetAsync("/")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await thief.GetAsync("/login")).Status);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/login")).Status);
    }
}
