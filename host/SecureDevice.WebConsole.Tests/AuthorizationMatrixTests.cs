using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Every console route × every role × own and foreign tenant (and staff, and anonymous), with the answer expected of each.</summary>
public sealed class AuthorizationMatrixTests
{
    /// <summary>Route templates the matrix (or, for login, setup, logout and the style sheet, the tests named) covers.</summary>
    private static readonly string[] Covered = Api.ApiEndpoints.Routes.Select(r => r.Split(' ')[1].Trim('/')).Concat(new[] { "", "devices/{id}", "feed", "admin/audit", "admin/users", "account/password", "account/tokens", "updates", "updates/{id:long}", "admin/service", "refused", "login", "setup", "logout", "console.css", "health/live" }).ToArray(); // the API routes: ApiMatrix_...

    private enum Who
    {
        Anonymous,
        Viewer,
        Operator,
        Admin,
        StaffViewer,
        StaffAdmin,
    }

    [Fact]
    public async Task EveryRoute_EveryRole_OwnAndForeignTenant_AnswersAsTheTableSays()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        var users = new Dictionary<Who, TestUser>
        {
            [Who.Viewer] = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme),
            [Who.Operator] = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme),
            [Who.Admin] = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme),
            [Who.StaffViewer] = await host.CreateUserAsync("staff-viewer", ConsoleRole.Viewer, null),
            [Who.StaffAdmin] = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null),
        };
        TestUser ownTarget = await host.CreateUserAsync("acme-target", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        TestUser foreignTarget = await host.CreateUserAsync("globex-target", ConsoleRole.Viewer, ConsoleTestHost.Globex);
        string own = "/devices/" + ConsoleTestHost.AcmeDevice, foreign = "/devices/" + ConsoleTestHost.GlobexDevice;
        string Id(TestUser u) => u.Id.ToString(CultureInfo.InvariantCulture);
        var rollouts = host.App.Services.GetRequiredService<Updates.UpdateOffers>().Rollouts;
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long ownRollout = await rollouts.AddAsync(new Updates.RolloutRecord(0, now, "console:x@127.0.0.1", "127.0.0.1", ConsoleTestHost.Acme, "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "device " + ConsoleTestHost.AcmeDevice, "matrix", 1), default);
        long foreignRollout = await rollouts.AddAsync(new Updates.RolloutRecord(0, now, "console:x@127.0.0.1", "127.0.0.1", ConsoleTestHost.Globex, "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "device " + ConsoleTestHost.GlobexDevice, "matrix", 1), default);
        (string, string)[] Offer(string device) => new[] { ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", device), ("Reason", "matrix") };

        // (method, path, fields, expected per Who: Anonymous, Viewer, Operator, Admin, StaffViewer, StaffAdmin)
        var table = new List<(string Method, string Path, (string, string)[] Fields, int[] Expected)>
        {
            ("GET", "/", Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("GET", own, Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("GET", foreign, Array.Empty<(string, string)>(), new[] { 302, 404, 404, 404, 200, 200 }),
            ("GET", "/devices/no-such-device", Array.Empty<(string, string)>(), new[] { 302, 404, 404, 404, 404, 404 }),
            ("POST", own + "?handler=Action", new[] { ("Kind", "throttle"), ("Reason", "matrix") }, new[] { 302, 403, 200, 200, 403, 200 }),
            ("POST", foreign + "?handler=Action", new[] { ("Kind", "lift"), ("Reason", "matrix") }, new[] { 302, 404, 404, 404, 403, 200 }),
            ("GET", "/feed", Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("GET", "/admin/audit", Array.Empty<(string, string)>(), new[] { 302, 403, 403, 200, 403, 200 }),
            ("GET", "/admin/users", Array.Empty<(string, string)>(), new[] { 302, 403, 403, 200, 403, 200 }),
            ("POST", "/admin/users?handler=Role", new[] { ("UserId", Id(ownTarget)), ("Role", "viewer") }, new[] { 302, 403, 403, 200, 403, 200 }),
            ("POST", "/admin/users?handler=Role", new[] { ("UserId", Id(foreignTarget)), ("Role", "viewer") }, new[] { 302, 403, 403, 404, 403, 200 }),
            ("GET", "/account/password", Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("POST", "/account/password", new[] { ("Current", "not the password"), ("Password", "x"), ("Confirm", "x") }, new[] { 302, 400, 400, 400, 400, 400 }),
            ("GET", "/account/tokens", Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("POST", "/account/tokens?handler=Revoke", new[] { ("TokenId", "999999") }, new[] { 302, 404, 404, 404, 404, 404 }),
            ("GET", "/updates", Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("POST", "/updates?handler=Offer", Offer(ConsoleTestHost.AcmeDevice), new[] { 302, 403, 200, 200, 403, 200 }),
            ("POST", "/updates?handler=Offer", Offer(ConsoleTestHost.GlobexDevice), new[] { 302, 403, 404, 404, 403, 200 }),
            ("GET", "/updates/" + ownRollout, Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("GET", "/updates/" + foreignRollout, Array.Empty<(string, string)>(), new[] { 302, 404, 404, 404, 200, 200 }),
            ("GET", "/updates/999999", Array.Empty<(string, string)>(), new[] { 302, 404, 404, 404, 404, 404 }),
            // Resume/cancel of a rollout that is not staged: 409 for whoever may act on it (nothing changes), 404 foreign.
            ("POST", "/updates/" + ownRollout + "?handler=Resume", Array.Empty<(string, string)>(), new[] { 302, 403, 409, 409, 403, 409 }),
            ("POST", "/updates/" + foreignRollout + "?handler=Cancel", Array.Empty<(string, string)>(), new[] { 302, 403, 404, 404, 403, 409 }),
            ("GET", "/admin/service", Array.Empty<(string, string)>(), new[] { 302, 403, 403, 403, 403, 200 }),
            // Counters of ids that are no registered device: staff operators and admins only (docs/console.md, "Refused input of unknown ids").
            ("GET", "/refused", Array.Empty<(string, string)>(), new[] { 302, 403, 403, 403, 403, 200 }),
            ("GET", "/feed?device=" + ConsoleTestHost.GlobexDevice, Array.Empty<(string, string)>(), new[] { 302, 200, 200, 200, 200, 200 }),
            ("GET", "/admin/audit?device=" + ConsoleTestHost.GlobexDevice + "&kind=offer", Array.Empty<(string, string)>(), new[] { 302, 403, 403, 200, 403, 200 }),
            ("GET", "/login", Array.Empty<(string, string)>(), new[] { 200, 200, 200, 200, 200, 200 }),
            ("GET", "/console.css", Array.Empty<(string, string)>(), new[] { 200, 200, 200, 200, 200, 200 }),
        };

        var failures = new List<string>();
        foreach (Who who in Enum.GetValues<Who>())
        {
            using ConsoleClient client = host.Client();
            TestUser? user = who == Who.Anonymous ? null : users[who];
            foreach (var (method, path, fields, expected) in table)
            {
                if (user != null && (client.Session == null || (await client.GetAsync("/")).Status != HttpStatusCode.OK))
                {
                    await client.LoginAsync(user); // a role change of the targets ends only their sessions; re-login keeps the walk simple
                }

                Answer answer = method == "GET"
                    ? await client.GetAsync(path)
                    : await client.PostFormAsync(user == null ? "/login" : "/account/password", path, fields);
                int want = expected[(int)who];
                if ((int)answer.Status != want)
                {
                    failures.Add(who + " " + method + " " + path + ": " + (int)answer.Status + ", expected " + want);
                }

                if (want == 404 && answer.Body.Contains(ConsoleTestHost.GlobexDevice, StringComparison.Ordinal))
                {
                    failures.Add(who + " " + method + " " + path + ": a 404 names the foreign device");
                }
            }
        }

        Assert.Empty(failures);

        // Lists are scoped too: the acme admin's feed and audit never show globex's device, staff see both.
        using ConsoleClient acmeAdmin = LoggedIn(host, users[Who.Admin]);
        using ConsoleClient staffAdmin = LoggedIn(host, users[Who.StaffAdmin]);
        foreach (string list in new[] { "/feed", "/admin/audit", "/", "/updates" })
        {
            Assert.DoesNotContain(ConsoleTestHost.GlobexDevice, (await acmeAdmin.GetAsync(list)).Body, StringComparison.Ordinal);
            Assert.Contains(ConsoleTestHost.GlobexDevice, (await staffAdmin.GetAsync(list)).Body, StringComparison.Ordinal);
        }

        Assert.Contains(ConsoleTestHost.AcmeDevice, (await acmeAdmin.GetAsync("/admin/audit")).Body, StringComparison.Ordinal);
        // Filtering by a foreign device id finds nothing (the filter echoes the id in its own form field, nothing more).
        string globexLink = "href=\"/devices/" + ConsoleTestHost.GlobexDevice + "\"";
        Assert.DoesNotContain(globexLink, (await acmeAdmin.GetAsync("/feed?device=" + ConsoleTestHost.GlobexDevice)).Body, StringComparison.Ordinal);
        Assert.Contains(globexLink, (await staffAdmin.GetAsync("/feed?device=" + ConsoleTestHost.GlobexDevice)).Body, StringComparison.Ordinal);
        Assert.DoesNotContain("<td>" + ConsoleTestHost.GlobexDevice + "</td>", (await acmeAdmin.GetAsync("/admin/audit?device=" + ConsoleTestHost.GlobexDevice)).Body, StringComparison.Ordinal);
        Assert.Contains("<td>" + ConsoleTestHost.GlobexDevice + "</td>", (await staffAdmin.GetAsync("/admin/audit?device=" + ConsoleTestHost.GlobexDevice)).Body, StringComparison.Ordinal);
        Assert.DoesNotContain("globex-target", (await acmeAdmin.GetAsync("/admin/users")).Body, StringComparison.Ordinal);
        Answer foreignMissing = await LoggedIn(host, users[Who.Viewer]).GetAsync(foreign);
        Answer unknownMissing = await LoggedIn(host, users[Who.Viewer]).GetAsync("/devices/no-such-device");
        Assert.Equal(unknownMissing.Body, foreignMissing.Body); // a foreign id is indistinguishable from a missing one
    }

    [Fact]
    public async Task RouteList_HasNoRouteTheMatrixDoesNotCover()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        var routes = host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText?.Trim('/') ?? string.Empty).Distinct().ToList();
        Assert.Empty(routes.Except(Covered));
        Assert.Contains("devices/{id}", routes);
    }

    [Fact]
    public async Task ApiMatrix_EveryRoute_EveryTokenKind_OwnAndForeignTenant_AnswersAsTheTableSays()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        var tokens = host.App.Services.GetRequiredService<Api.ApiTokenStore>();
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        async Task<string> Issue(TestUser owner, Api.ApiScope scope, long expiresMs)
        {
            string token = Api.ApiTokenFormat.Create(System.Security.Cryptography.RandomNumberGenerator.Create());
            await tokens.AddAsync(Api.ApiTokenFormat.Hash(token), owner.Id, "matrix", scope, now, expiresMs, default);
            return token;
        }

        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        TestUser staff = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null);
        string revoked = await Issue(op, Api.ApiScope.Operate, now + 3_600_000);
        long revokedId = (await tokens.ListAsync(op.Id, default))[0].Id;
        Assert.True(await tokens.RevokeAsync(revokedId, op.Id, now, default));
        string valid = await Issue(op, Api.ApiScope.Operate, now + 3_600_000);

        // Subjects: none, malformed, right shape but unknown, revoked, expired, read scope of an operator (acts as viewer),
        // operate scope of a viewer (stays viewer), operate scope of an operator, operate scope of fleet staff.
        string?[] subjects =
        {
            null, "sdp_not-a-token", Api.ApiTokenFormat.Create(System.Security.Cryptography.RandomNumberGenerator.Create()), revoked,
            await Issue(op, Api.ApiScope.Operate, now - 1), await Issue(op, Api.ApiScope.Read, now + 3_600_000),
            await Issue(viewer, Api.ApiScope.Operate, now + 3_600_000), valid, await Issue(staff, Api.ApiScope.Operate, now + 3_600_000),
        };
        string own = "/api/v1/devices/" + ConsoleTestHost.AcmeDevice, foreign = "/api/v1/devices/" + ConsoleTestHost.GlobexDevice;
        string lift = "{\"kind\":\"lift\",\"reason\":\"matrix\"}";
        string Offer(string device) => "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"device\",\"device\":\"" + device + "\",\"reason\":\"matrix\"}";
        var rollouts = host.App.Services.GetRequiredService<Updates.UpdateOffers>().Rollouts;
        long ownRollout = await rollouts.AddAsync(new Updates.RolloutRecord(0, now, "console:x@127.0.0.1", "127.0.0.1", ConsoleTestHost.Acme, "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "device " + ConsoleTestHost.AcmeDevice, "matrix", 1), default);
        long foreignRollout = await rollouts.AddAsync(new Updates.RolloutRecord(0, now, "console:x@127.0.0.1", "127.0.0.1", ConsoleTestHost.Globex, "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "device " + ConsoleTestHost.GlobexDevice, "matrix", 1), default);
        var table = new List<(string Method, string Path, string? Body, int[] Expected)>
        {
            ("GET", "/api/v1/devices", null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", own, null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", foreign, null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 200 }),
            ("GET", "/api/v1/devices/no-such-device", null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 404 }),
            ("GET", own + "/health", null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", foreign + "/health", null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 200 }),
            ("GET", own + "/findings", null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", foreign + "/findings", null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 200 }),
            ("GET", own + "/refused", null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", foreign + "/refused", null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 200 }),
            ("GET", own + "/actions", null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", foreign + "/actions", null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 200 }),
            ("POST", own + "/actions", lift, new[] { 401, 401, 401, 401, 401, 403, 403, 200, 200 }),
            ("POST", foreign + "/actions", lift, new[] { 401, 401, 401, 401, 401, 403, 403, 404, 200 }),
            ("POST", "/api/v1/offers", Offer(ConsoleTestHost.AcmeDevice), new[] { 401, 401, 401, 401, 401, 403, 403, 202, 202 }),
            ("POST", "/api/v1/offers", Offer(ConsoleTestHost.GlobexDevice), new[] { 401, 401, 401, 401, 401, 403, 403, 404, 202 }),
            ("GET", "/api/v1/rollouts/" + ownRollout, null, new[] { 401, 401, 401, 401, 401, 200, 200, 200, 200 }),
            ("GET", "/api/v1/rollouts/" + foreignRollout, null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 200 }),
            ("GET", "/api/v1/rollouts/999999", null, new[] { 401, 401, 401, 401, 401, 404, 404, 404, 404 }),
            ("GET", "/api/v1/refused?scope=unattached", null, new[] { 401, 401, 401, 401, 401, 403, 403, 403, 200 }),
        };
        var failures = new List<string>();
        using ConsoleClient client = host.Client();
        for (int i = 0; i < subjects.Length; i++)
        {
            foreach (var (method, path, body, expected) in table)
            {
                Answer answer = await client.ApiAsync(method, path, subjects[i], body);
                if ((int)answer.Status != expected[i])
                {
                    failures.Add("subject " + i + " " + method + " " + path + ": " + (int)answer.Status + ", expected " + expected[i]);
                }

                if (expected[i] != 200 && answer.Body.Contains(ConsoleTestHost.GlobexDevice, StringComparison.Ordinal))
                {
                    failures.Add("subject " + i + " " + method + " " + path + ": an error names the foreign device");
                }
            }
        }

        Assert.Empty(failures);
        string list = (await client.ApiAsync("GET", "/api/v1/devices", valid)).Body;
        Assert.Contains(ConsoleTestHost.AcmeDevice, list, StringComparison.Ordinal);
        Assert.DoesNotContain(ConsoleTestHost.GlobexDevice, list, StringComparison.Ordinal);

        // A signed-in browser session never authenticates the API (no CSRF through it).
        using ConsoleClient browser = LoggedIn(host, staff);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.ApiAsync("GET", "/api/v1/devices", null)).Status);
    }

    private static ConsoleClient LoggedIn(ConsoleTestHost host, TestUser user)
    {
        ConsoleClient client = host.Client();
        client.LoginAsync(user).GetAwaiter().GetResult();
        return client;
    }
}
