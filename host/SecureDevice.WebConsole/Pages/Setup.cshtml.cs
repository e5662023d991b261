using System.ComponentModel.DataAnnotations;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Pages;

/// <summary>The one-time setup link: shows the TOTP key, takes a strong password and a first code, then the link is spent.</summary>
public sealed class SetupModel : PageModel
{
    private readonly AccountService _accounts;
    private readonly FailureBurstGuard _bursts;

    public SetupModel(AccountService accounts, FailureBurstGuard bursts)
    {
        _accounts = accounts;
        _bursts = bursts;
    }

    [BindProperty(SupportsGet = true), StringLength(100)]
    public string? Token { get; set; }

    [BindProperty, StringLength(128)]
    public string Password { get; set; } = string.Empty;

    [BindProperty, StringLength(128)]
    public string Confirm { get; set; } = string.Empty;

    [BindProperty, StringLength(6)]
    public string? Code { get; set; }

    public UserRecord? Account { get; private set; }

    public string? OtpUri => Account?.TotpSecret == null ? null : Accounts.Totp.Uri("SecureDevice", Account.UserName, Account.TotpSecret);

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        Account = ModelState.IsValid ? await _accounts.FindSetupAsync(Token, HttpContext.RequestAborted) : null;
        if (Account == null)
        {
            await _bursts.RecordAsync(FailureKind.Setup, HttpContext, null); // guessing setup links
            return NotFoundPage();
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        SetupStatus status = ModelState.IsValid
            ? await _accounts.CompleteSetupAsync(Token, Password, Confirm, Code?.Trim(), HttpContext.RequestAborted)
            : SetupStatus.InvalidLink;
        if (status == SetupStatus.Done)
        {
            return LocalRedirect("/login?setup=done");
        }

        Account = await _accounts.FindSetupAsync(Token, HttpContext.RequestAborted);
        if (Account == null || status == SetupStatus.WrongCode)
        {
            // A guessed link or a guessed first code (a weak or mistyped password is the owner's mistake, not counted).
            await _bursts.RecordAsync(FailureKind.Setup, HttpContext, Account?.UserName);
        }

        if (Account == null)
        {
            return NotFoundPage();
        }

        Message = status switch
        {
            SetupStatus.PasswordsDiffer => "The two passwords differ.",
            SetupStatus.WeakPassword => PasswordPolicy.Explain(PasswordPolicy.Check(Password, Account.UserName)),
            _ => "The code is wrong: check the key and your device's clock.",
        };
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private IActionResult NotFoundPage()
    {
        Account = null;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }
}
