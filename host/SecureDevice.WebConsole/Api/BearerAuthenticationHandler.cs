using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Api;

/// <summary>
/// Authenticates /api/v1 requests by <c>Authorization: Bearer sdp_…</c>: the format and checksum first (no database
/// trip for garbage), then the SHA-256 against the live tokens. The role is the owner's, capped by the scope: a read
/// token acts as a viewer whatever its owner is. Cookies never authenticate the API (so no CSRF there).
/// </summary>
public sealed class BearerAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "api-token";
    public const string TokenIdClaim = "sd:token";

    private readonly ApiTokenStore _tokens;
    private readonly ConsoleOptions _console;
    private readonly FailureBurstGuard _bursts;

    public BearerAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenStore tokens, ConsoleOptions console, FailureBurstGuard bursts)
        : base(options, logger, encoder)
    {
        _tokens = tokens;
        _console = console;
        _bursts = bursts;
    }

    /// <summary>The token of the request when it is well-formed, else null.</summary>
    public static string? TokenOf(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", System.StringComparison.Ordinal))
        {
            return null;
        }

        string token = header[7..].Trim();
        return ApiTokenFormat.IsWellFormed(token) ? token : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.IsHttps)
        {
            return AuthenticateResult.NoResult();
        }

        string? token = TokenOf(Request);
        if (token == null)
        {
            if (Request.Headers.Authorization.Count == 0)
            {
                return AuthenticateResult.NoResult();
            }

            await _bursts.RecordAsync(FailureKind.ApiToken, Context, null).ConfigureAwait(false);
            return AuthenticateResult.Fail("malformed token");
        }

        var found = await _tokens.UseAsync(ApiTokenFormat.Hash(token), _console.Time.GetUtcNow().ToUnixTimeMilliseconds(), Context.RequestAborted).ConfigureAwait(false);
        if (found == null)
        {
            await _bursts.RecordAsync(FailureKind.ApiToken, Context, null).ConfigureAwait(false);
            return AuthenticateResult.Fail("unknown, expired or revoked token");
        }

        (ApiTokenRecord record, UserRecord user) = found.Value;
        if (user.Role is not (ConsoleRole.Viewer or ConsoleRole.Operator or ConsoleRole.Admin) || user.PasswordHash == null)
        {
            // An owner without a valid role (fail closed) or not set up. A sign-in lockout does not stop tokens: failed
            // passwords from anyone would otherwise switch off the owner's scripts.
            await _bursts.RecordAsync(FailureKind.ApiToken, Context, user.UserName).ConfigureAwait(false);
            return AuthenticateResult.Fail("owner cannot act");
        }

        ConsoleRole role = record.Scope == ApiScope.Read ? ConsoleRole.Viewer : (user.Role > ConsoleRole.Operator ? ConsoleRole.Operator : user.Role);
        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(SessionAuthenticationHandler.UserIdClaim, user.Id.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(ClaimTypes.Name, user.UserName));
        identity.AddClaim(new Claim(ClaimTypes.Role, ConsoleRoles.Name(role)));
        identity.AddClaim(new Claim(TokenIdClaim, record.Id.ToString(CultureInfo.InvariantCulture)));
        if (user.CustomerId != null)
        {
            identity.AddClaim(new Claim(SessionAuthenticationHandler.CustomerClaim, user.CustomerId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
