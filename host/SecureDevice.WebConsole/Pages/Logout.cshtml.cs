using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages;

/// <summary>POST only: ends every session of the account (a stolen copy of the cookie dies too) and drops the cookie.</summary>
public sealed class LogoutModel : PageModel
{
    private readonly AccountService _accounts;

    public LogoutModel(AccountService accounts) => _accounts = accounts;

    public IActionResult OnGet() => StatusCode(405);

    public async Task<IActionResult> OnPostAsync()
    {
        if (ConsoleUser.From(User) is ConsoleUser user)
        {
            await _accounts.LogoutAsync(user.Id, HttpContext.RequestAborted);
        }

        Response.Cookies.Delete(SessionAuthenticationHandler.CookieName, SessionAuthenticationHandler.CookieOptions());
        return LocalRedirect("/login");
    }
}
