using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>
/// POSTs signed alert documents to customers' webhooks. The URL comes from a customer, so the sender guards the
/// service's network: https only (http only to loopback when <see cref="AllowLoopback"/>, for tests); the name is
/// resolved here and a connection is made only to an address that is public (no loopback, private, link-local,
/// unique-local, carrier-grade NAT, multicast or unspecified address, so no request reaches the cloud metadata service or
/// the service's own network, and DNS rebinding cannot change that between check and use); no redirects; bounded
/// connect and total time; the response body is not read beyond 1 KiB.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;

    public WebhookSender(bool allowLoopback = false, TimeSpan? timeout = null)
    {
        AllowLoopback = allowLoopback;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxResponseHeadersLength = 16,
            ConnectCallback = ConnectAsync,
        };
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        _client = new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("SecureDevice-Alerts", "1"));
    }

    /// <summary>Whether loopback addresses (and plain http to them) are allowed: tests only.</summary>
    public bool AllowLoopback { get; }

    /// <summary>Sends <paramref name="body"/> to <paramref name="url"/>, signed with <paramref name="secret"/> at <paramref name="now"/>.</summary>
    public async Task<DeliveryResult> SendAsync(Uri url, byte[] secret, string eventId, byte[] body, DateTimeOffset now, CancellationToken cancellation = default)
    {
        if (!CustomerContacts.IsWebhookUrl(url) || (url.Scheme == Uri.UriSchemeHttp && !AllowLoopback))
        {
            return new DeliveryResult(DeliveryOutcome.Permanent, "webhook URL refused (https only)");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, now.ToUnixTimeSeconds(), body));
        request.Headers.Add(WebhookSignature.EventHeader, eventId);
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            int code = (int)response.StatusCode;
            if (code >= 200 && code < 300)
            {
                return new DeliveryResult(DeliveryOutcome.Sent, "HTTP " + code);
            }

            string detail = "HTTP " + code + " " + await Excerpt(response, cancellation).ConfigureAwait(false);
            bool retry = code >= 500 || code is 408 or 425 or 429;
            return new DeliveryResult(retry ? DeliveryOutcome.Retry : DeliveryOutcome.Permanent, code is >= 300 and < 400 ? detail + " (redirects are not followed)" : detail);
        }
        catch (HttpRequestException error) when (error.InnerException is ForbiddenAddressException forbidden)
        {
            return new DeliveryResult(DeliveryOutcome.Permanent, forbidden.Message);
        }
        catch (HttpRequestException error)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, "cannot reach " + url.Host + ": " + Oneline(error.GetBaseException().Message));
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, "no answer from " + url.Host + " within " + _client.Timeout.TotalSeconds + " s");
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>True for an address a webhook may not reach (see the class summary); loopback only when allowed.</summary>
    public static bool IsForbidden(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return !allowLoopback;
        }

        byte[] b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return b[0] == 0 || b[0] == 10 || (b[0] == 100 && b[1] >= 64 && b[1] < 128) || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32) || (b[0] == 192 && b[1] == 168) || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)) || b[0] >= 224;
        }

        return address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (b[0] & 0xfe) == 0xfc || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) || address.IsIPv6Teredo || (b[0] == 0x20 && b[1] == 0x02);
    }

    private static string Oneline(string text) => Text.Printable.Escape(text.Length > 200 ? text[..200] : text);

    private static async Task<string> Excerpt(HttpResponseMessage response, CancellationToken cancellation)
    {
        byte[] buffer = new byte[1024];
        int read = 0;
        await using Stream stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        while (read < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(read), cancellation).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        string text = Encoding.UTF8.GetString(buffer, 0, read).Trim();
        return Oneline(text.Length > 120 ? text[..120] + "…" : text);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation)
    {
        string host = context.DnsEndPoint.Host;
        IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal)
            ? new[] { literal }
            : await Dns.GetHostAddressesAsync(host, cancellation).ConfigureAwait(false);
        IPAddress? allowed = Array.Find(addresses, a => !IsForbidden(a, AllowLoopback));
        if (allowed == null)
        {
            throw new ForbiddenAddressException("webhook host " + Oneline(host) + " resolves only to addresses the service may not reach (loopback, private, link-local, ...)");
        }

        var socket = new Socket(allowed.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(allowed, context.DnsEndPoint.Port), cancellation).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class ForbiddenAddressException(string message) : IOException(message);
}
