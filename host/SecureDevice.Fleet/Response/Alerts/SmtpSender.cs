using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>Where and how alert e-mail is sent.</summary>
public sealed record SmtpSettings
{
    public required string Host { get; init; }

    /// <summary>587 (submission, STARTTLS) by default; 465 means TLS from the first byte.</summary>
    public int Port { get; init; } = 587;

    /// <summary>The sender address.</summary>
    public required string From { get; init; }

    /// <summary>
    /// When false (default), TLS is used whenever the server offers STARTTLS and the mail goes in clear otherwise; when
    /// true, a server without STARTTLS is a failure (a network attacker can strip the offer, so production should say true).
    /// </summary>
    public bool RequireTls { get; init; }

    /// <summary>Environment variable holding the user name; authentication happens only when it and the password are set.</summary>
    public string UserVariable { get; init; } = "SECUREDEVICE_SMTP_USER";

    /// <summary>Environment variable holding the password (never logged, never stored).</summary>
    public string PasswordVariable { get; init; } = "SECUREDEVICE_SMTP_PASSWORD";

    /// <summary>Bound on connecting and on each SMTP command.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Anchor for the server's certificate instead of the system store (a private CA; tests).</summary>
    public X509Certificate2? TrustAnchor { get; init; }
}

/// <summary>
/// Sends alert e-mail with MailKit: one message per delivery to the customer's addresses, plain text. No protocol log
/// is kept, so credentials never reach a log. SMTP 5xx answers are permanent (dead letter); 4xx, connection and TLS
/// failures are retried.
/// </summary>
public sealed class SmtpSender
{
    private readonly SmtpSettings _settings;

    public SmtpSender(SmtpSettings settings)
    {
        if (!CustomerContacts.IsEmail(settings.From) || string.IsNullOrWhiteSpace(settings.Host) || settings.Port < 1 || settings.Port > 65535)
        {
            throw new FleetException(FleetError.InvalidArgument, "SMTP needs a host, a port 1..65535 and a plain sender address");
        }

        _settings = settings;
    }

    public async Task<DeliveryResult> SendAsync(IReadOnlyList<string> to, string subject, string text, string messageId, CancellationToken cancellation = default)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_settings.From));
        foreach (string address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = subject;
        message.MessageId = messageId + "@securedevice";
        message.Body = new TextPart("plain") { Text = text };

        using var client = new SmtpClient { Timeout = (int)_settings.Timeout.TotalMilliseconds };
        if (_settings.TrustAnchor != null)
        {
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) => Pki.AnchoredTrust.Accepts(_settings.TrustAnchor, certificate, errors);
        }

        SecureSocketOptions security = _settings.Port == 465 ? SecureSocketOptions.SslOnConnect
            : _settings.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
        try
        {
            await client.ConnectAsync(_settings.Host, _settings.Port, security, cancellation).ConfigureAwait(false);
            string? user = Environment.GetEnvironmentVariable(_settings.UserVariable);
            string? password = Environment.GetEnvironmentVariable(_settings.PasswordVariable);
            if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(password))
            {
                if (!client.IsSecure && _settings.RequireTls)
                {
                    return new DeliveryResult(DeliveryOutcome.Permanent, "refusing to send SMTP credentials without TLS");
                }

                await client.AuthenticateAsync(user, password, cancellation).ConfigureAwait(false);
            }

            await client.SendAsync(message, cancellation).ConfigureAwait(false);
            bool secure = client.IsSecure;
            await client.DisconnectAsync(true, cancellation).ConfigureAwait(false);
            return new DeliveryResult(DeliveryOutcome.Sent, "accepted by " + _settings.Host + (secure ? " over TLS" : " in clear (no STARTTLS offered)"));
        }
        catch (SmtpCommandException error)
        {
            int code = (int)error.StatusCode;
            return new DeliveryResult(code >= 500 ? DeliveryOutcome.Permanent : DeliveryOutcome.Retry, "SMTP " + code + " " + Text.Printable.Escape(error.Message));
        }
        catch (AuthenticationException)
        {
            // MailKit's message may quote the server; the credentials themselves are never in it.
            return new DeliveryResult(DeliveryOutcome.Permanent, "SMTP authentication failed (check " + _settings.UserVariable + " and " + _settings.PasswordVariable + ")");
        }
        catch (NotSupportedException error)
        {
            return new DeliveryResult(DeliveryOutcome.Permanent, "SMTP: " + Text.Printable.Escape(error.Message));
        }
        catch (Exception error) when (error is SocketException or SmtpProtocolException or ServiceNotConnectedException or System.IO.IOException or SslHandshakeException or TimeoutException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, "SMTP " + _settings.Host + ":" + _settings.Port + ": " + Text.Printable.Escape(error.GetBaseException().Message));
        }
    }
}
