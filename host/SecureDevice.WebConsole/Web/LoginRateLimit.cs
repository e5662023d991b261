using System;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// Sign-in limits with ASP.NET Core's rate limiter: a fixed window of <see cref="ConsoleOptions.LoginPermits"/> per
/// <see cref="ConsoleOptions.LoginWindow"/> per client address, chained with the same per account name (so spreading
/// guesses over many addresses does not help). Other requests pass.
/// </summary>
public static class LoginRateLimit
{
    public static bool IsSignIn(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && (context.Request.Path.Equals("/login") || context.Request.Path.Equals("/setup"));

    public static PartitionedRateLimiter<HttpContext> Create(ConsoleOptions options)
    {
        FixedWindowRateLimiterOptions Window(string _) => new() { PermitLimit = options.LoginPermits, Window = options.LoginWindow, QueueLimit = 0, AutoReplenishment = true };

        PartitionedRateLimiter<HttpContext> byAddress = PartitionedRateLimiter.Create<HttpContext, string>(context => IsSignIn(context)
            ? RateLimitPartition.GetFixedWindowLimiter("address:" + FailureBurstGuard.AddressOf(context), Window)
            : RateLimitPartition.GetNoLimiter(string.Empty));
        PartitionedRateLimiter<HttpContext> byAccount = PartitionedRateLimiter.Create<HttpContext, string>(context => IsSignIn(context) && AccountOf(context) is string account
            ? RateLimitPartition.GetFixedWindowLimiter("account:" + account, Window)
            : RateLimitPartition.GetNoLimiter(string.Empty));
        return PartitionedRateLimiter.CreateChained(byAddress, byAccount);
    }

    /// <summary>The account name of a sign-in form (read already by the console's middleware), normalised and bounded.</summary>
    internal static string? AccountOf(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return null;
        }

        string? name = context.Request.Form["UserName"];
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        name = name.Trim().ToLowerInvariant();
        return name.Length > 64 ? name[..64] : name;
    }
}
