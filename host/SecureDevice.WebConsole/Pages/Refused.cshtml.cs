using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages;

/// <summary>
/// Refused input kept under ids that are no registered device (<c>unknown-device</c> ids, <c>(broker)</c>,
/// <c>(overflow)</c>, <c>(invalid)</c>): no device page can show them. Staff operators and admins only
/// (<see cref="RefusedInput.MaySeeUnattached"/>); everyone else gets 403.
/// </summary>
public sealed class RefusedModel : PageModel
{
    private readonly ConsoleBackend _backend;
    private readonly ConsoleOptions _options;

    public RefusedModel(ConsoleBackend backend, ConsoleOptions options)
    {
        _backend = backend;
        _options = options;
    }

    public RefusedInput.Unattached Unattached { get; private set; } = new(System.Array.Empty<RefusedInput.UnattachedRow>(), 0, 0, 0);

    public async Task<IActionResult> OnGetAsync()
    {
        if (!RefusedInput.MaySeeUnattached(ConsoleUser.From(User)))
        {
            return Forbid();
        }

        Unattached = await RefusedInput.LoadUnattachedAsync(_backend.Accounts.Dialect, _options.Time.GetUtcNow().ToUnixTimeMilliseconds(), HttpContext.RequestAborted);
        return Page();
    }
}
