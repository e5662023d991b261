using System.Globalization;
using System.Security.Claims;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Web;

/// <summary>The signed-in user as the pages see it, and the tenant rule every page applies.</summary>
public sealed record ConsoleUser(long Id, string Name, ConsoleRole Role, string? CustomerId)
{
    /// <summary>Null when the principal is neither a console session nor an API token (fail closed).</summary>
    public static ConsoleUser? From(ClaimsPrincipal principal)
    {
        if (principal.Identity?.AuthenticationType is not (SessionAuthenticationHandler.SchemeName or Api.BearerAuthenticationHandler.SchemeName)
            || !long.TryParse(principal.FindFirstValue(SessionAuthenticationHandler.UserIdClaim), NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            || !ConsoleRoles.TryParse(principal.FindFirstValue(ClaimTypes.Role), out ConsoleRole role))
        {
            return null;
        }

        return new ConsoleUser(id, principal.Identity.Name ?? string.Empty, role, principal.FindFirstValue(SessionAuthenticationHandler.CustomerClaim));
    }

    /// <summary>Staff (no customer) see every device; a customer's users only their customer's.</summary>
    public bool CanSee(DeviceRecord device) => CustomerId == null || device.CustomerId == CustomerId;

    /// <summary>Same rule for accounts: a customer's admin manages only that customer's accounts.</summary>
    public bool CanSee(UserRecord user) => CustomerId == null || user.CustomerId == CustomerId;

    public bool IsOperator => Role >= ConsoleRole.Operator;

    public bool IsAdmin => Role == ConsoleRole.Admin;
}
