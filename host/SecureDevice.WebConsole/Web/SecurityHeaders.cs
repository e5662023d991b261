using Microsoft.AspNetCore.Http;

namespace SecureDevice.WebConsole.Web;

/// <summary>The response headers every console response carries (docs/console.md, "Headers").</summary>
public static class SecurityHeaders
{
    /// <summary>No script at all, styles and images from the console only, forms post only to the console, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; font-src 'none'; connect-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    /// <summary>One year, subdomains included.</summary>
    public const string StrictTransportSecurity = "max-age=31536000; includeSubDomains";

    public static void Apply(HttpResponse response)
    {
        IHeaderDictionary h = response.Headers;
        h.ContentSecurityPolicy = ContentSecurityPolicy;
        h.StrictTransportSecurity = StrictTransportSecurity;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), usb=()";
        // What antiforgery sets on every page with a form: the same value everywhere, and no warning logged per page
        // about overriding ours.
        h.CacheControl = "no-store, no-cache";
        h.Pragma = "no-cache";
    }
}
