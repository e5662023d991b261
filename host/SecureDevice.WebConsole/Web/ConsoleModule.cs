using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Api;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// The console as a module of the service host (<see cref="IServiceWebModule"/>): an HTTPS listener, and the console's
/// services, middleware and pages. <see cref="AddConsole"/> and <see cref="UseConsole"/> are the one wiring: the service
/// and the tests both run it.
/// </summary>
public sealed class ConsoleModule : IServiceWebModule, IAsyncDisposable
{
    public const string ViewerPolicy = "viewer";
    public const string OperatorPolicy = "operator";
    public const string AdminPolicy = "admin";

    private readonly ConsoleOptions _options;
    private SqlDialect? _dialect;

    public ConsoleModule(ConsoleOptions options) => _options = options;

    /// <summary>The dialect of the service's database (SQLite in the data folder, or the PostgreSQL URL).</summary>
    public static SqlDialect OpenDatabase(string dataFolder, string? databaseUrl, string applicationName) => databaseUrl != null
        ? new PostgresDialect(DatabaseUrl.Parse(databaseUrl), applicationName)
        : new SqliteDialect(dataFolder);

    public void ConfigureServices(WebApplicationBuilder builder, FleetService service)
    {
        _dialect = OpenDatabase(service.Options.DataFolder, service.Options.DatabaseUrl, "securedevice-console-" + service.Options.Identity);
        var accounts = new AccountStore(_dialect, TotpSecretProtector.OpenOrCreate(service.Options.DataFolder));
        // The console's alerts go out through the service's own dispatcher (one path with device alerts).
        ConsoleOptions options = _options.Alerts == null ? _options with { Alerts = service.OwnerAlerts } : _options;
        AddConsole(builder, options, new ConsoleBackend(service.Store, service.Actions, accounts));
    }

    public void Configure(WebApplication app, FleetService service) => UseConsole(app);

    public async ValueTask DisposeAsync()
    {
        if (_dialect != null)
        {
            await _dialect.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The HTTPS listener and every service the console needs.</summary>
    public static void AddConsole(WebApplicationBuilder builder, ConsoleOptions options, ConsoleBackend backend)
    {
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate = options.Certificate
            ?? throw new ArgumentException("the console needs a server certificate with its private key (HTTPS only)", nameof(options));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Listen, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        IServiceCollection services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(backend);
        services.AddSingleton(backend.Accounts);
        services.AddSingleton<AccountService>();
        services.AddHostedService<TotpSecretMigration>();
        services.AddSingleton<FailureBurstGuard>();
        services.AddHostedService<SourcePauseSync>();
        services.AddSingleton(new ApiTokenStore(backend.Accounts));
        services.AddSingleton(new Updates.UpdateOffers(options.Bundles == null ? null : new Updates.BundleCatalog(options.Bundles), options.OfferPublisher, backend.Fleet,
            new Updates.RolloutStore(backend.Accounts.Dialect), new Updates.RolloutWaveStore(backend.Accounts.Dialect), backend.Accounts, options.Time));
        services.AddSingleton<Updates.RolloutWaveRunner>();
        services.AddHostedService<Updates.RolloutWaveWorker>();
        services.AddAuthentication(SessionAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        // Pages: the session cookie only. API: the bearer token only (a cookie never authenticates an API call).
        services.AddAuthorizationBuilder()
            .AddPolicy(ViewerPolicy, p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole("viewer", "operator", "admin"))
            .AddPolicy(OperatorPolicy, p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole("operator", "admin"))
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole("admin"))
            .AddPolicy(ApiEndpoints.ViewerPolicy, p => p.AddAuthenticationSchemes(BearerAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole("viewer", "operator", "admin"))
            .AddPolicy(ApiEndpoints.OperatorPolicy, p => p.AddAuthenticationSchemes(BearerAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole("operator", "admin"));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "__Host-sd_af";
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.FormFieldName = "__sd_csrf";
            o.HeaderName = null;
            o.SuppressXFrameOptionsHeader = true; // SecurityHeaders sets DENY and frame-ancestors 'none'
        });
        services.Configure<FormOptions>(o =>
        {
            o.ValueCountLimit = 32;
            o.ValueLengthLimit = 4096;
            o.KeyLengthLimit = 64;
            o.MultipartBodyLengthLimit = options.MaxBodyBytes;
        });
        services.AddRazorPages(o =>
        {
            // Default deny: every page needs a viewer at least; only sign-in and setup are open; /admin needs an admin.
            o.Conventions.AuthorizeFolder("/", ViewerPolicy);
            o.Conventions.AuthorizeFolder("/Admin", AdminPolicy);
            o.Conventions.AllowAnonymousToPage("/Login");
            o.Conventions.AllowAnonymousToPage("/Setup");
        }).AddMvcOptions(o => o.Filters.Add<AntiforgeryFailureFilter>()).ConfigureApplicationPartManager(parts =>
        {
            Assembly assembly = typeof(ConsoleModule).Assembly;
            foreach (ApplicationPart part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
            {
                if (!parts.ApplicationParts.Any(p => p.GetType() == part.GetType() && p.Name == part.Name))
                {
                    parts.ApplicationParts.Add(part);
                }
            }
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(ApiEndpoints.RatePolicy, http =>
            {
                // Per token; a request without a well-formed token is counted against its address (random tokens get no fresh budget).
                string? token = BearerAuthenticationHandler.TokenOf(http.Request);
                string key = token != null ? "t:" + ApiTokenFormat.Hash(token) : "a:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = options.ApiPermits, Window = options.ApiWindow, QueueLimit = 0 });
            });
            o.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return ValueTask.CompletedTask;
            };
        });
        // First the pause of a source that burst failures (every request of it refused), then the sign-in limits.
        services.AddOptions<RateLimiterOptions>().Configure<FailureBurstGuard>((o, guard) =>
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(SourcePause.Create(guard), LoginRateLimit.Create(options)));
    }

    /// <summary>The console's middleware (after routing) and endpoints.</summary>
    public static void UseConsole(WebApplication app)
    {
        ConsoleOptions options = app.Services.GetRequiredService<ConsoleOptions>();
        app.Use(async (context, next) =>
        {
            if (!context.Request.IsHttps)
            {
                // HTTPS only: the plain listener keeps the service's /health and /metrics and nothing of the console.
                PathString path = context.Request.Path;
                if (path.StartsWithSegments("/health") || path.Equals("/metrics"))
                {
                    await next(context).ConfigureAwait(false);
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            SecurityHeaders.Apply(context.Response);
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = options.MaxBodyBytes;
            }

            if (LoginRateLimit.IsSignIn(context) && context.Request.HasFormContentType)
            {
                // Read (bounded) before the rate limiter, which partitions by the account name in the form.
                try
                {
                    await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                }
                catch (Exception error) when (error is InvalidDataException or Microsoft.AspNetCore.Http.BadHttpRequestException or IOException)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        });
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        byte[] css = ReadAsset("console.css");
        app.MapGet("/console.css", () => Results.Bytes(css, "text/css; charset=utf-8")).AllowAnonymous();
        app.MapRazorPages();
        ApiEndpoints.Map(app);
    }

    private static byte[] ReadAsset(string name)
    {
        using Stream stream = typeof(ConsoleModule).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException(name + " is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
