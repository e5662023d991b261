using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using MimeKit;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Lab.Alerts;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// E-mail alerts through the running service (real mosquitto, the real service with an SMTP relay, Debian's aiosmtpd as
/// the customer's mail server): a device sending garbage is throttled and its owner, and only its owner, receives the
/// throttle alert by mail; the message is checked by MimeKit's parser, not by the sender's code.
/// </summary>
public sealed class EmailAlertEndToEndTests : IDisposable
{
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task GarbageDevice_Throttled_OwnerReceivesTheAlertMail_NoSecrets()
    {
        EnrolledDevice junk = _lab.Enroll("junk", 1, owner: "initech")[0];
        EnrolledDevice other = _lab.Enroll("ok", 1, owner: "acme")[0];
        using SmtpInbox mail = SmtpInbox.Start(Path.Combine(_lab.Lab.Folder, "mail"));
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        string contacts = Path.Combine(_lab.Lab.Folder, "contacts.json");
        FileCustomerContacts.Save(contacts, new[]
        {
            new CustomerContacts("initech", new Uri("https://hooks.initech.example/securedevice"), secret, new[] { "ops@initech.example" }),
            new CustomerContacts("acme", null, null, new[] { "noc@acme.example" }),
        });
        using var integration = new FleetIntegration(new IntegrationOptions
        {
            ContactsFile = contacts,
            Smtp = new SmtpSettings { Host = "127.0.0.1", Port = mail.Port, From = "alerts@securedevice.example" },
            TrafficWindow = TimeSpan.FromHours(1),
            Ladder = new LadderPolicy { BadMessages = 10, Grace = TimeSpan.FromMinutes(5) },
            Alerts = new AlertDispatcherOptions { PollInterval = TimeSpan.FromMilliseconds(100) },
        });
        ServiceOptions options = _lab.Options() with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) } };
        await using RunningService service = await _lab.StartAsync(options, integration.Extensions);
        await using DevicePublisher junkPublisher = (await _lab.ConnectAsync(new[] { junk }))[0];
        await using DevicePublisher good = (await _lab.ConnectAsync(new[] { other }))[0];
        await good.PublishHealthAsync(1, 0, default);
        for (int i = 0; i < 12; i++)
        {
            await junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("garbage\u001b[31m " + i), default);
        }

        await ServiceLab.WaitUntil(() => Task.FromResult(mail.Snapshot().Count >= 1), TimeSpan.FromSeconds(30), "the throttle alert mail");
        await Task.Delay(500);
        ReceivedMail received = Assert.Single(mail.Snapshot());
        Assert.Equal(new[] { "ops@initech.example" }, received.EnvelopeTo);
        MimeMessage message = MimeMessage.Load(new MemoryStream(received.Raw));
        Assert.Equal("ops@initech.example", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("alerts@securedevice.example", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("[SecureDevice] " + junk.Id + ": throttle throttled", message.Subject);
        string text = message.TextBody ?? string.Empty;
        Assert.Contains("Device " + junk.Id + " was throttled", text, StringComparison.Ordinal);
        Assert.StartsWith("alt_", message.MessageId, StringComparison.Ordinal);

        // Nothing secret and nothing raw from the device: no webhook secret (either encoding), no key, no control bytes.
        string raw = Encoding.UTF8.GetString(received.Raw);
        Assert.DoesNotContain(Convert.ToBase64String(secret), raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(secret), raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("PRIVATE KEY", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("garbage", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(raw, c => c < ' ' && c is not '\r' and not '\n' and not '\t');
        Assert.DoesNotContain(other.Id, raw, StringComparison.Ordinal);
    }
}
