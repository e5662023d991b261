using System;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// <c>POST /api/v1/offers</c> and <c>GET /api/v1/rollouts/{id}</c> (docs/console.md, "API"): the console's offer with
/// the same checks, for an operate token of an operator only, strict JSON, audited with the token; the route × token ×
/// tenant answers are in <see cref="AuthorizationMatrixTests"/>.
/// </summary>
public sealed class ApiOfferTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static string Offer(string device, string reason = "api") =>
        "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"device\",\"device\":\"" + device + "\",\"reason\":\"" + reason + "\"}";

    [Fact]
    public async Task Offer_OperatorToken_PublishesTheDevicesOffer_AuditedWithTheToken_RolloutShowsEachDevicesState()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();

        Answer offered = await api.ApiAsync("POST", "/api/v1/offers", token, Offer(ConsoleTestHost.AcmeDevice));
        Assert.True(offered.Status == HttpStatusCode.Accepted, offered.Body);
        using JsonDocument answer = JsonDocument.Parse(offered.Body);
        Assert.Equal("Accepted", answer.RootElement.GetProperty("status").GetString());
        Assert.Equal("[1]", answer.RootElement.GetProperty("waves").GetRawText());
        long rolloutId = answer.RootElement.GetProperty("rolloutId").GetInt64();
        Assert.Empty(host.Publisher!.Commands);
        Assert.Equal(1, await host.TickAsync());

        var command = Assert.Single(host.Publisher!.Commands);
        Assert.Equal("devices/" + ConsoleTestHost.AcmeDevice + "/down/update", command.Topic);
        Assert.Equal(DocumentStatus.Valid, new UpdateOfferParser().TryParse(command.Payload, 0, command.Payload.Length, out UpdateOffer? parsed));
        Assert.Equal(ConsoleTestHost.BundleBaseUrl + ConsoleTestHost.Bundle + "/", parsed!.Url);
        ActionRecord audit = Assert.Single(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None));
        Assert.Equal("offer", audit.Kind);
        Assert.Matches(@"^api:acme-operator@127\.0\.0\.1 token \d+$", audit.Actor);
        RolloutRecord_ActorIs(await host.App.Services.GetRequiredService<Updates.UpdateOffers>().Rollouts.GetAsync(rolloutId, ConsoleTestHost.Acme, None), audit.Actor);

        // The device reports (hostile text in its event); the rollout's JSON carries its state, outcome and version, escaped as JSON.
        Answer before = await api.ApiAsync("GET", "/api/v1/rollouts/" + rolloutId, token);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        using (JsonDocument rollout = JsonDocument.Parse(before.Body))
        {
            JsonElement device = Assert.Single(rollout.RootElement.GetProperty("devices").EnumerateArray().ToList());
            Assert.Equal("published", device.GetProperty("broker").GetString());
            Assert.Equal(JsonValueKind.Null, device.GetProperty("outcome").ValueKind);
        }

        host.Clock.Advance(TimeSpan.FromSeconds(5));
        long deviceRef = (await host.Store.ListDevicesAsync(None)).Single(d => d.DeviceId == ConsoleTestHost.AcmeDevice).Ref;
        var batch = new IngestBatch();
        batch.Events.Add(new EventRow(deviceRef, ConsoleTestHost.AcmeDevice, host.Clock.GetUtcNow().ToUnixTimeMilliseconds(), "update", "update:2:9", 2, 9,
            JsonSerializer.Serialize(new { state = "idle", outcome = "rejected:hash-mismatch", version = ConsoleTestHost.XssImg, detail = ConsoleTestHost.XssScript })));
        await host.Store.CommitAsync(batch, None);
        Answer after = await api.ApiAsync("GET", "/api/v1/rollouts/" + rolloutId, token);
        Assert.DoesNotContain("<img", after.Body, StringComparison.OrdinalIgnoreCase);
        using (JsonDocument rollout = JsonDocument.Parse(after.Body))
        {
            JsonElement device = Assert.Single(rollout.RootElement.GetProperty("devices").EnumerateArray().ToList());
            Assert.Equal("rejected:hash-mismatch", device.GetProperty("outcome").GetString());
            Assert.Equal(ConsoleTestHost.XssImg, device.GetProperty("reportedVersion").GetString());
            Assert.Equal(ConsoleTestHost.Bundle, rollout.RootElement.GetProperty("bundle").GetString());
        }
    }

    [Fact]
    public async Task Offer_ToAGroup_ReachesOnlyTheTokenOwnersActiveDevices()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        Answer offered = await api.ApiAsync("POST", "/api/v1/offers", token, "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"group\",\"reason\":\"all of acme\"}");
        Assert.True(offered.Status == HttpStatusCode.Accepted, offered.Body);
        await host.TickAsync();
        Assert.NotEmpty(host.Publisher!.Commands);
        Assert.All(host.Publisher.Commands, c => Assert.Equal("devices/" + ConsoleTestHost.AcmeDevice + "/down/update", c.Topic));
    }

    [Fact]
    public async Task Offer_ViewerOrReadToken_Is403_ForeignOrMissingTarget_Is404WithOneBody_SessionCookie_Is401_NothingPublished()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string viewerToken = await ApiTests.IssueAsync(host, viewer), operatorToken = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();

        Assert.Equal(HttpStatusCode.Forbidden, (await api.ApiAsync("POST", "/api/v1/offers", viewerToken, Offer(ConsoleTestHost.AcmeDevice))).Status);
        Answer foreign = await api.ApiAsync("POST", "/api/v1/offers", operatorToken, Offer(ConsoleTestHost.GlobexDevice));
        Answer missing = await api.ApiAsync("POST", "/api/v1/offers", operatorToken, Offer("dev-no-such"));
        Answer foreignGroup = await api.ApiAsync("POST", "/api/v1/offers", operatorToken, "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"group\",\"customer\":\"globex\",\"reason\":\"x\"}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(HttpStatusCode.NotFound, foreignGroup.Status);
        Assert.Equal(missing.Body, foreign.Body);
        Assert.Equal(missing.Body, foreignGroup.Body);
        Assert.Equal(HttpStatusCode.NotFound, (await api.ApiAsync("GET", "/api/v1/rollouts/1", viewerToken)).Status);

        // The operator's signed-in browser session does not reach the API: token authentication only, so no CSRF surface.
        using ConsoleClient browser = host.Client();
        await browser.LoginAsync(op);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.ApiAsync("POST", "/api/v1/offers", null, Offer(ConsoleTestHost.AcmeDevice))).Status);
        Assert.Empty(host.Publisher!.Commands);
        Assert.Empty(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None));
    }

    [Theory]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"x\",\"extra\":1}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"PADDING\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"fleet\",\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"version\":7,\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"device\":\"dev-acme-1\",\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"version\":\"7\",\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"../B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"no-such-bundle\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"x\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"x\"} trailing")]
    [InlineData("[\"B\"]")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"10%,5%,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"1%,10%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"0%,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"1% ,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"5,5,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"1,2,3,4,5,6,7,8,9,10,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"150%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"-5,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"1e3,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"20001,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":\"10%,100%\",\"firstWave\":2}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waves\":7}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waveTimeoutMinutes\":0}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"group\",\"reason\":\"x\",\"waveTimeoutMinutes\":10081}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"x\",\"waves\":\"50%,100%\"}")]
    [InlineData("{\"bundle\":\"B\",\"target\":\"device\",\"device\":\"dev-acme-1\",\"reason\":\"x\",\"firstWave\":1}")]
    public async Task Offer_BodyOutsideTheSchema_Is400_NothingPublishedOrAudited(string body)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        string token = await ApiTests.IssueAsync(host, op);
        using ConsoleClient api = host.Client();
        string json = body.Replace("\"B\"", "\"" + ConsoleTestHost.Bundle + "\"", StringComparison.Ordinal).Replace("PADDING", new string('a', 1100), StringComparison.Ordinal);
        Answer answer = await api.ApiAsync("POST", "/api/v1/offers", token, json);
        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Status + " " + answer.Body);
        Answer plain = await api.ApiAsync("POST", "/api/v1/offers", token, Offer(ConsoleTestHost.AcmeDevice), "text/plain");
        Assert.Equal(HttpStatusCode.BadRequest, plain.Status);
        Assert.Equal(0, await host.TickAsync());
        Assert.Empty(host.Publisher!.Commands);
        Assert.Empty(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None));
        Assert.Empty((await host.App.Services.GetRequiredService<Updates.UpdateOffers>().Rollouts.ListAsync(null, null, 10, None)).Rows);

        // The same token with a body inside the schema publishes: the 400 was the body's.
        Assert.Equal(HttpStatusCode.Accepted, (await api.ApiAsync("POST", "/api/v1/offers", token, Offer(ConsoleTestHost.AcmeDevice))).Status);
        await host.TickAsync();
        Assert.Single(host.Publisher.Commands);
    }

    [Fact]
    public async Task Offer_StaffGroupWithoutCustomerOrVersion_Is400_NoWholeFleetOffer()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser staff = await host.CreateUserAsync("staff-admin", ConsoleRole.Admin, null);
        string token = await ApiTests.IssueAsync(host, staff);
        using ConsoleClient api = host.Client();
        Answer answer = await api.ApiAsync("POST", "/api/v1/offers", token, "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"group\",\"reason\":\"everything\"}");
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("a group needs a customer or a version code", answer.Body, StringComparison.Ordinal);
        Assert.Empty(host.Publisher!.Commands);
    }

    private static void RolloutRecord_ActorIs(Updates.RolloutRecord? rollout, string actor)
    {
        Assert.NotNull(rollout);
        Assert.Equal(actor, rollout!.Actor);
    }
}
