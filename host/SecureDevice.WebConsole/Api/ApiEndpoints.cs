using System;
using System.Collections.Generic;
using System.ComponentModel.DataAnnotations;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Updates;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Api;

/// <summary>
/// The JSON API under /api/v1, bearer tokens only (<see cref="BearerAuthenticationHandler"/>), default deny (the group
/// needs an authenticated viewer; actions an operator, which only an operate-scoped token of an operator or admin is),
/// tenant-scoped like the pages (a foreign device is 404 with the same body as a missing one), rate-limited per token.
/// </summary>
public static class ApiEndpoints
{
    public const string ViewerPolicy = "api-viewer";
    public const string OperatorPolicy = "api-operator";
    public const string RatePolicy = "api-token";

    /// <summary>Largest JSON body accepted by a POST, bytes.</summary>
    public const int MaxJsonBytes = 1024;

    private static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 4,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Every API route (method and pattern), for the route matrix.</summary>
    public static readonly string[] Routes =
    {
        "GET /api/v1/devices", "GET /api/v1/devices/{id}", "GET /api/v1/devices/{id}/health", "GET /api/v1/devices/{id}/findings",
        "GET /api/v1/devices/{id}/refused", "GET /api/v1/devices/{id}/actions", "POST /api/v1/devices/{id}/actions", "POST /api/v1/offers", "GET /api/v1/rollouts/{id:long}",
        "GET /api/v1/refused",
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/api/v1").RequireAuthorization(ViewerPolicy).RequireRateLimiting(RatePolicy);
        api.MapGet("/devices", async (HttpContext http, ConsoleBackend backend) =>
        {
            ConsoleUser user = ConsoleUser.From(http.User)!;
            IReadOnlyList<DeviceRecord> devices = await backend.Fleet.ListDevicesAsync(http.RequestAborted);
            return Results.Json(devices.Where(user.CanSee).Take(10_000).Select(Summary).ToList(), Strict);
        });
        api.MapGet("/devices/{id}", (HttpContext http, ConsoleBackend backend, string id) =>
            WithDevice(http, backend, id, device => Task.FromResult(Results.Json(Summary(device), Strict))));
        api.MapGet("/devices/{id}/health", (HttpContext http, ConsoleBackend backend, string id) => WithDevice(http, backend, id, async device =>
        {
            long now = http.RequestServices.GetService(typeof(ConsoleOptions)) is ConsoleOptions o ? o.Time.GetUtcNow().ToUnixTimeMilliseconds() : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            IReadOnlyList<HealthRecord> health = await backend.Fleet.ListHealthAsync(device.DeviceId, now - 86_400_000, now + 1, 2000, http.RequestAborted);
            return Results.Json(health.Select(h => new
            {
                h.ReceivedMs, h.Boot, h.Seq, h.UptimeS, h.BootReason, h.SupplyMv, h.HeapFreeKiB, h.ManagedFreeKiB, h.BytesUp, h.BytesDown, h.RssiDbm, h.Attempts,
                h.Rejected, h.VersionCode,
            }).ToList(), Strict);
        }));
        api.MapGet("/devices/{id}/findings", (HttpContext http, ConsoleBackend backend, string id) => WithDevice(http, backend, id, async device =>
            Results.Json((await backend.Fleet.ListFindingsAsync(device.DeviceId, openOnly: false, limit: 500, http.RequestAborted)).Select(f => new
            {
                f.Id, f.Rule, f.Severity, f.Observed, f.Expected, f.Evidence, f.FirstSeenMs, f.LastSeenMs, f.State,
            }).ToList(), Strict)));
        api.MapGet("/devices/{id}/refused", (HttpContext http, ConsoleBackend backend, string id) => WithDevice(http, backend, id, async device =>
        {
            long now = http.RequestServices.GetService(typeof(ConsoleOptions)) is ConsoleOptions o ? o.Time.GetUtcNow().ToUnixTimeMilliseconds() : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            IReadOnlyList<RefusedInput.Row> rows = await RefusedInput.LoadAsync(backend.Fleet, device.DeviceId, now, http.RequestAborted);
            return Results.Json(rows.Select(r => new { r.Reason, r.Count, r.Bytes, r.LastMs, r.LastDetail }).ToList(), Strict);
        }));
        // Counters of ids that are no registered device: staff operators and admins (an operate token; RefusedInput.MaySeeUnattached),
        // 403 for everyone else before anything is read; scope=unattached is the only scope (the device's own are at /devices/{id}/refused).
        api.MapGet("/refused", async (HttpContext http, ConsoleBackend backend, string? scope) =>
        {
            if (!RefusedInput.MaySeeUnattached(ConsoleUser.From(http.User)))
            {
                return Results.Json(new { error = "forbidden" }, Strict, statusCode: 403);
            }

            if (scope != "unattached")
            {
                return Results.Json(new { error = "scope must be unattached" }, Strict, statusCode: 400);
            }

            long now = http.RequestServices.GetService(typeof(ConsoleOptions)) is ConsoleOptions o ? o.Time.GetUtcNow().ToUnixTimeMilliseconds() : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            RefusedInput.Unattached view = await RefusedInput.LoadUnattachedAsync(backend.Accounts.Dialect, now, http.RequestAborted);
            return Results.Json(new
            {
                rows = view.Rows.Select(r => new { id = r.DeviceId, r.Reason, r.Count, r.Bytes, r.LastMs, r.LastDetail }).ToList(),
                idsShown = view.IdsShown, idsNotShown = view.IdsNotShown, reasonsNotShown = view.ReasonsNotShown,
            }, Strict);
        }).RequireAuthorization(OperatorPolicy);
        api.MapGet("/devices/{id}/actions", (HttpContext http, ConsoleBackend backend, string id) => WithDevice(http, backend, id, async device =>
            Results.Json(await backend.Fleet.ListActionsAsync(device.DeviceId, 200, http.RequestAborted), Strict)));
        api.MapPost("/devices/{id}/actions", (HttpContext http, ConsoleBackend backend, ILoggerFactory logs, string id) => WithDevice(http, backend, id, async device =>
        {
            ActionBody? body = await ReadBodyAsync<ActionBody>(http);
            if (body == null || !TryValidate(body) || !Enum.TryParse(body.Kind, ignoreCase: true, out DeviceActionKind kind) || !Enum.IsDefined(kind))
            {
                return Results.Json(new { error = "body must be {\"kind\":\"throttle|quarantine|lift|revoke\",\"reason\":\"1-200 chars\",\"confirm\":\"device id, for revoke\"}" }, Strict, statusCode: 400);
            }

            if (kind == DeviceActionKind.Revoke && body.Confirm != device.DeviceId)
            {
                return Results.Json(new { error = "to revoke, confirm must be the device id" }, Strict, statusCode: 400);
            }

            ConsoleUser user = ConsoleUser.From(http.User)!;
            (ActionOutcome? outcome, string? unavailable) = await ConsoleActions.ExecuteAsync(backend.Actions,
                new DeviceActionRequest(device.DeviceId, kind, Actor(http, user, Address(http)), body.Reason!), logs.CreateLogger("SecureDevice.WebConsole.Api"), http.RequestAborted);
            return outcome == null
                ? Results.Json(new { error = unavailable }, Strict, statusCode: 503)
                : Results.Json(new { done = outcome.Done, detail = outcome.Detail }, Strict);
        })).RequireAuthorization(OperatorPolicy);
        api.MapPost("/offers", OfferAsync).RequireAuthorization(OperatorPolicy);
        api.MapGet("/rollouts/{id:long}", async (HttpContext http, UpdateOffers offers, ConsoleBackend backend, long id) =>
        {
            RolloutView? view = await RolloutView.LoadAsync(offers, backend.Fleet, ConsoleUser.From(http.User)!, id, http.RequestAborted);
            if (view == null)
            {
                return NotFound();
            }

            RolloutRecord r = view.Rollout;
            return Results.Json(new
            {
                id = r.Id, createdMs = r.CreatedMs, actor = r.Actor, bundle = r.Bundle, product = r.Product, version = r.Version, securityVersion = r.SecurityVersion,
                manifestSha256 = r.ManifestSha256, url = r.Url, target = r.Target, reason = r.Reason,
                state = view.Waves is WaveRecord s ? RolloutWaves.Name(s.State) : null,
                staged = view.Waves is WaveRecord w
                    ? new
                    {
                        state = RolloutWaves.Name(w.State), plan = w.Plan, waves = w.WaveCount, currentWave = w.CurrentWave, firstWave = w.FirstWave, haltPercent = w.HaltPercent,
                        waveTimeoutMinutes = w.TimeoutMs / 60_000, detail = w.Detail, changedMs = w.ChangedMs, changedBy = w.ChangedBy,
                    }
                    : null,
                devices = view.Devices.Select(d =>
                {
                    EventFields? latest = view.Latest.TryGetValue(d.DeviceId, out EventFields? f) ? f : null;
                    return new
                    {
                        device = d.DeviceId, offeredMs = d.AtMs, broker = d.Outcome, brokerDetail = d.Detail,
                        state = latest?.State, outcome = latest?.Outcome, reportedVersion = latest?.Version,
                    };
                }).ToList(),
            }, Strict);
        });
    }

    /// <summary>
    /// <c>POST /api/v1/offers</c>: the console's offer form as JSON, with the same checks (<see cref="OfferTarget.TryCreate"/>,
    /// <see cref="UpdateOffers.OfferAsync"/>: the bundle verified now with the device's verifier, tenant first, active
    /// devices only, the cap) and the same answers (<see cref="OfferResult.HttpStatus"/>), audited as
    /// <c>api:USER@ADDRESS token ID</c>.
    /// </summary>
    private static async Task<IResult> OfferAsync(HttpContext http, UpdateOffers offers)
    {
        ConsoleUser user = ConsoleUser.From(http.User)!;
        OfferBody? body = await ReadBodyAsync<OfferBody>(http);
        var problems = new List<string>();
        OfferTarget? target = body != null && TryValidate(body) && (body.Target == "device" ? body.Customer == null && body.Version == null : body.Device == null)
            ? OfferTarget.TryCreate(body.Target, body.Device, body.Customer, body.Version, user, problems)
            : null;
        WavePlan plan = WavePlan.AllAtOnce;
        if (target == null || !WavePlan.TryCreate(body!.Waves, body.FirstWave, body.HaltPercent, body.WaveTimeoutMinutes, target.IsDevice, problems, out plan))
        {
            return Results.Json(new
            {
                error = "body must be {\"bundle\":\"NAME\",\"target\":\"device\",\"device\":\"ID\",\"reason\":\"1-200 chars\"} or {\"bundle\":\"NAME\",\"target\":\"group\",\"customer\":\"ID\",\"version\":CODE,\"reason\":\"...\"} (customer and/or version; optional \"waves\":\"1%,10%,100%\" or \"firstWave\":N, \"haltPercent\":0-100, \"waveTimeoutMinutes\":1-10080)",
                problems,
            }, Strict, statusCode: 400);
        }

        string from = Address(http);
        OfferResult result = await offers.OfferAsync(user, from, Actor(http, user, from), body!.Bundle!, target, body.Reason!, plan, http.RequestAborted);
        if (result.Status == OfferStatus.NotFound)
        {
            return NotFound();
        }

        return Results.Json(new
        {
            status = result.Status.ToString(), detail = result.Detail, rolloutId = result.RolloutId > 0 ? result.RolloutId : (long?)null, waves = result.Waves,
        }, Strict, statusCode: result.HttpStatus);
    }

    /// <summary>The JSON body of an offer (strict like every body: unknown members, wrong types, over 1 KiB all refused).</summary>
    public sealed class OfferBody
    {
        [Required]
        [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
        public string? Bundle { get; set; }

        [Required]
        [RegularExpression("^(device|group)$")]
        public string? Target { get; set; }

        [StringLength(64)]
        public string? Device { get; set; }

        [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
        public string? Customer { get; set; }

        [Range(0, long.MaxValue)]
        public long? Version { get; set; }

        [Required]
        [StringLength(200, MinimumLength = 1)]
        public string? Reason { get; set; }

        /// <summary>Groups: the waves, cumulative (<c>1%,10%,50%,100%</c>, <c>5,50,100%</c>; <see cref="WavePlan.TryCreate"/>); absent: one wave.</summary>
        [StringLength(WavePlan.MaxTextLength)]
        public string? Waves { get; set; }

        /// <summary>Groups: devices in the first wave, then the rest (= <c>"waves":"N,100%"</c>).</summary>
        [Range(1, UpdateOffers.MaxDevices)]
        public int? FirstWave { get; set; }

        [Range(0, 100)]
        public int? HaltPercent { get; set; }

        /// <summary>Groups: minutes a published wave's devices have to answer before the silent ones count as failed.</summary>
        [Range(WavePlan.MinTimeoutMinutes, WavePlan.MaxTimeoutMinutes)]
        public int? WaveTimeoutMinutes { get; set; }
    }

    /// <summary>The JSON body of an action (strict: unknown members, wrong types, over 1 KiB all refused).</summary>
    public sealed class ActionBody
    {
        [Required]
        [RegularExpression("^[a-z]{1,16}$")]
        public string? Kind { get; set; }

        [Required]
        [StringLength(200, MinimumLength = 1)]
        public string? Reason { get; set; }

        [StringLength(128)]
        public string? Confirm { get; set; }
    }

    private static object Summary(DeviceRecord d) => new
    {
        id = d.DeviceId, customer = d.CustomerId, status = d.Status, state = d.ServiceState, presence = d.Presence, presenceMs = d.PresenceMs, presenceReason = d.PresenceReason, versionCode = d.VersionCode,
        lastSeenMs = d.LastSeenMs, certificateNotAfterMs = d.NotAfterMs,
    };

    /// <summary>The one answer for a foreign and a missing object, so ids do not leak.</summary>
    private static IResult NotFound() => Results.Json(new { error = "not found" }, Strict, statusCode: 404);

    private static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Who acted, as the audit names it: <c>api:USER@ADDRESS token ID</c>.</summary>
    private static string Actor(HttpContext http, ConsoleUser user, string address) =>
        "api:" + user.Name + "@" + address + " token " + http.User.FindFirst(BearerAuthenticationHandler.TokenIdClaim)?.Value;

    private static async Task<IResult> WithDevice(HttpContext http, ConsoleBackend backend, string id, Func<DeviceRecord, Task<IResult>> then)
    {
        ConsoleUser? user = ConsoleUser.From(http.User);
        DeviceRecord? device = user != null && id.Length is > 0 and <= 128 ? await backend.Fleet.GetDeviceAsync(id, http.RequestAborted) : null;
        if (device == null || !user!.CanSee(device))
        {
            return NotFound();
        }

        return await then(device);
    }

    private static async Task<T?> ReadBodyAsync<T>(HttpContext http)
        where T : class
    {
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || http.Request.ContentLength is null or > MaxJsonBytes)
        {
            return null;
        }

        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            return buffer.Length > MaxJsonBytes ? null : JsonSerializer.Deserialize<T>(buffer.ToArray(), Strict);
        }
        catch (Exception error) when (error is JsonException or IOException or BadHttpRequestException)
        {
            return null;
        }
    }

    private static bool TryValidate(object body) => Validator.TryValidateObject(body, new ValidationContext(body), null, validateAllProperties: true);
}
