using System.Threading.Tasks;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// Counts every refused antiforgery check (the 400 Razor Pages answers a POST without a valid token: a cross-site
/// request, a form replayed from another session) as a security failure of its source (<see cref="FailureBurstGuard"/>).
/// An always-run result filter, since the check itself is an authorization filter that short-circuits.
/// </summary>
internal sealed class AntiforgeryFailureFilter : IAsyncAlwaysRunResultFilter
{
    private readonly FailureBurstGuard _guard;

    public AntiforgeryFailureFilter(FailureBurstGuard guard) => _guard = guard;

    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            string? account = context.HttpContext.User.Identity?.IsAuthenticated == true ? context.HttpContext.User.Identity.Name : null;
            await _guard.RecordAsync(FailureKind.Antiforgery, context.HttpContext, account).ConfigureAwait(false);
        }

        await next().ConfigureAwait(false);
    }
}
