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
    private static readonly string[] Covered = { "", "devices/{id}", "feed", "admin/audit", "admin/users", "account/password", "login", "setup", "logout", "console.css", "health/live" };

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
        foreach (string list in new[] { "/feed", "/admin/audit", "/" })
        {
            Assert.DoesNotContain(ConsoleTestHost.GlobexDevice, (await acmeAdmin.GetAsync(list)).Body, StringComparison.Ordinal);
            Assert.Contains(ConsoleTestHost.GlobexDevice, (await staffAdmin.GetAsync(list)).Body, StringComparison.Ordinal);
        }

        Assert.Contains(ConsoleTestHost.AcmeDevice, (await acmeAdmin.GetAsync("/admin/audit")).Body, StringComparison.Ordinal);
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

    private static ConsoleClient LoggedIn(ConsoleTestHost host, TestUser user)
    {
        ConsoleClient client = host.Client();
        client.LoginAsync(user).GetAwaiter().GetResult();
        return client;
    }
}
