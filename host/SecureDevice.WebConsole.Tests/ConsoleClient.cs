using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.AspNetCore.WebUtilities;

namespace SecureDevice.WebConsole.Tests;

/// <summary>A response as the tests look at it.</summary>
public sealed record Answer(HttpStatusCode Status, string Body, HttpResponseMessage Message)
{
    public string? Location => Message.Headers.Location?.ToString();

    public IEnumerable<string> SetCookies => Message.Headers.TryGetValues("Set-Cookie", out var values) ? values : Array.Empty<string>();

    public string? Header(string name) => Message.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : Message.Content.Headers.TryGetValues(name, out var content) ? string.Join(",", content) : null;
}

/// <summary>
/// A browser-like client: keeps cookies by name (set by the server, or planted by a test), fetches a page's antiforgery
/// token before posting its form, never follows redirects, trusts only the host's certificate.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    private readonly ConsoleTestHost _host;
    private readonly HttpClient _http;

    public ConsoleClient(ConsoleTestHost host, IPAddress? source)
    {
        _host = host;
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate != null && certificate.GetCertHashString() == host.Certificate.GetCertHashString();
        if (source != null)
        {
            handler.ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, token);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        _http = new HttpClient(handler) { BaseAddress = host.HttpsBase };
    }

    public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

    /// <summary>Headers sent with every request (a spoofed X-Forwarded-For).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? Session => Cookies.GetValueOrDefault("__Host-sd_session");

    public Task<Answer> GetAsync(string path, Uri? baseAddress = null) => SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress ?? _host.HttpsBase, path)));

    /// <summary>POSTs a form as is (no token added).</summary>
    public Task<Answer> PostRawAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_host.HttpsBase, path)) { Content = new FormUrlEncodedContent(fields) };
        if (origin != null)
        {
            request.Headers.Add("Origin", origin);
        }

        return SendAsync(request);
    }

    /// <summary>GETs <paramref name="formPage"/> for its antiforgery token, then POSTs the fields with it to <paramref name="path"/>.</summary>
    public async Task<Answer> PostFormAsync(string formPage, string path, params (string Name, string Value)[] fields)
    {
        string token = await TokenAsync(formPage);
        return await PostRawAsync(path, fields.Select(f => KeyValuePair.Create(f.Name, f.Value)).Append(KeyValuePair.Create("__sd_csrf", token)));
    }

    public async Task<string> TokenAsync(string formPage)
    {
        Answer page = await GetAsync(formPage);
        Match match = TokenField().Match(page.Body);
        if (!match.Success)
        {
            throw new InvalidOperationException("no antiforgery token on " + formPage + " (" + page.Status + ")");
        }

        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Signs in through the login form; the clock moves 30 s first so the code is a fresh step.</summary>
    public async Task<Answer> LoginAsync(TestUser user, string? password = null, bool withCode = true)
    {
        _host.Clock.Advance(TimeSpan.FromSeconds(30));
        var fields = new List<(string, string)> { ("UserName", user.Name), ("Password", password ?? user.Password) };
        if (withCode)
        {
            fields.Add(("Code", TestUser.Code(user.Secret, _host.Clock.GetUtcNow())));
        }

        return await PostFormAsync("/login", "/login", fields.ToArray());
    }

    /// <summary>An API call with a bearer token (and, when given, a raw body of the content type).</summary>
    public Task<Answer> ApiAsync(string method, string path, string? token, string? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_host.HttpsBase, path));
        if (token != null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (body != null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        return SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    private async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        foreach (var header in Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (Cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => c.Key + "=" + c.Value)));
        }

        HttpResponseMessage response = await _http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (string header in setCookies)
            {
                string pair = header.Split(';')[0];
                int eq = pair.IndexOf('=');
                string name = pair[..eq], value = pair[(eq + 1)..];
                bool expired = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) || value.Length == 0;
                if (expired)
                {
                    Cookies.Remove(name);
                }
                else
                {
                    Cookies[name] = value;
                }
            }
        }

        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [GeneratedRegex("name=\"__sd_csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
