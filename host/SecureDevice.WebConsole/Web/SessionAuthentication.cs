using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecureDevice.WebConsole.Accounts;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// Authenticates a request by its session cookie against the server-side session table (no state in the cookie but a
/// random token). Unauthenticated page requests are sent to /login; forbidden ones get 403.
/// </summary>
public sealed class SessionAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "console-session";

    /// <summary>__Host- prefix: the browser keeps it only if Secure, Path=/ and without Domain.</summary>
    public const string CookieName = "__Host-sd_session";

    public const string CustomerClaim = "sd:customer";
    public const string UserIdClaim = "sd:uid";

    private readonly AccountService _accounts;
    private readonly ConsoleOptions _console;
    private readonly FailureBurstGuard _bursts;

    public SessionAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccountService accounts, ConsoleOptions console, FailureBurstGuard bursts)
        : base(options, logger, encoder)
    {
        _accounts = accounts;
        _console = console;
        _bursts = bursts;
    }

    /// <summary>The cookie's attributes: HttpOnly, Secure, SameSite=Strict, Path=/, no Expires (the server decides).</summary>
    public static CookieOptions CookieOptions() => new() { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.IsHttps || !Request.Cookies.TryGetValue(CookieName, out string? token))
        {
            return AuthenticateResult.NoResult();
        }

        SessionRecord? session = await _accounts.ResumeAsync(token, Context.RequestAborted).ConfigureAwait(false);
        if (session == null)
        {
            return AuthenticateResult.Fail("no live session");
        }

        string address = FailureBurstGuard.AddressOf(Context);
        if (_console.BindSessionToAddress && FailureBurstGuard.Normalize(session.Address) != address)
        {
            // The cookie travelled: end the session for every holder (the owner signs in again), audit, count it.
            await _accounts.Store.DeleteSessionAsync(session.TokenSha256, Context.RequestAborted).ConfigureAwait(false);
            await _accounts.Store.AppendAuditAsync(session.User.UserName, "session.ended.address-changed", session.User.UserName + ": signed in from " + session.Address,
                session.User.CustomerId, Context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _console.Time.GetUtcNow().ToUnixTimeMilliseconds(), Context.RequestAborted).ConfigureAwait(false);
            await _bursts.RecordAsync(FailureKind.Session, Context, null).ConfigureAwait(false); // the address that used it (not the account: a thief would pause the owner)
            return AuthenticateResult.Fail("session used from another address");
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, session.User.Id.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(UserIdClaim, session.User.Id.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(ClaimTypes.Name, session.User.UserName));
        identity.AddClaim(new Claim(ClaimTypes.Role, ConsoleRoles.Name(session.User.Role)));
        if (session.User.CustomerId != null)
        {
            identity.AddClaim(new Claim(CustomerClaim, session.User.CustomerId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status302Found;
        Response.Headers.Location = "/login";
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
