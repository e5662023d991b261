using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Fleet.Tests.Response;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

/// <summary>Alert e-mail through a real SMTP server: Debian's aiosmtpd (python3 -m aiosmtpd), with and without STARTTLS, and one that refuses.</summary>
public sealed class SmtpDeliveryTests : IDisposable
{
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly TemporaryDirectory _folder = new("smtp");

    public void Dispose() => _folder.Dispose();

    private sealed class SmtpServer : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public SmtpServer(params string[] arguments)
        {
            Port = FreePort.Next();
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument.Replace("{PORT}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            }

            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
            _process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            DateTime deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var probe = new TcpClient("127.0.0.1", Port);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(100);
                }
            }

            throw new InvalidOperationException("the SMTP server did not start: " + Output);
        }

        public int Port { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit(5000);
            _process.Dispose();
        }
    }

    private AlertDispatcher Dispatcher(SmtpSettings settings) => new(
        new MemoryCustomerContacts(new CustomerContacts("acme", null, null, new[] { "ops@acme.example", "oncall@acme.example" })),
        new MemoryAlertStore(), null, new SmtpSender(settings), _time, () => 0.5);

    private AlertEvent Alert() => AlertEvent.ForFinding("acme", "dev-7", "reboot-loop", true, AlertSeverity.Warning,
        "5 unclean boots in 15 min \u001b[31m", "boot reasons 5,5,5,5,5", _time.GetUtcNow());

    [Fact]
    public async Task Email_ReachesTheServer_InClearWhenNoTlsIsOffered()
    {
        using var server = new SmtpServer("-m", "aiosmtpd", "-n", "-l", "127.0.0.1:{PORT}");
        AlertDispatcher dispatcher = Dispatcher(new SmtpSettings { Host = "127.0.0.1", Port = server.Port, From = "alerts@securedevice.example" });
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Alert()));
        await dispatcher.DeliverDueAsync();
        Assert.Equal(1, dispatcher.Counters.Sent);
        Assert.True(SpinWait.SpinUntil(() => server.Output.Contains("Alert alt_", StringComparison.Ordinal), 5000), server.Output);
        string output = server.Output;
        Assert.Contains("Subject: [SecureDevice] dev-7: reboot-loop opened", output, StringComparison.Ordinal);
        Assert.Contains("ops@acme.example", output, StringComparison.Ordinal);
        Assert.Contains("oncall@acme.example", output, StringComparison.Ordinal);
        Assert.Contains("5 unclean boots in 15 min \\x1b[31m", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Email_UsesStartTls_WhenTheServerOffersIt()
    {
        string pki = _folder.Combine("pki");
        PkiFolder.Init(pki, new[] { "localhost" }, new[] { System.Net.IPAddress.Loopback }, DateTimeOffset.UtcNow);
        var layout = new PkiLayout(pki);
        using var server = new SmtpServer("-m", "aiosmtpd", "-n", "-l", "127.0.0.1:{PORT}", "--tlscert", layout.BrokerCertificate, "--tlskey", layout.BrokerKey);
        using X509Certificate2 root = X509Certificate2.CreateFromPem(System.IO.File.ReadAllText(layout.RootCertificate));
        var sender = new SmtpSender(new SmtpSettings { Host = "localhost", Port = server.Port, From = "alerts@securedevice.example", RequireTls = true, TrustAnchor = root });
        DeliveryResult result = await sender.SendAsync(new[] { "ops@acme.example" }, "s", "text", "alt_tls");
        Assert.Equal(DeliveryOutcome.Sent, result.Outcome);
        Assert.Contains("over TLS", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireTls_AgainstAServerWithoutIt_FailsInsteadOfSendingInClear()
    {
        using var server = new SmtpServer("-m", "aiosmtpd", "-n", "-l", "127.0.0.1:{PORT}");
        var sender = new SmtpSender(new SmtpSettings { Host = "127.0.0.1", Port = server.Port, From = "alerts@securedevice.example", RequireTls = true });
        DeliveryResult result = await sender.SendAsync(new[] { "ops@acme.example" }, "s", "text", "alt_x");
        Assert.NotEqual(DeliveryOutcome.Sent, result.Outcome);
        Assert.DoesNotContain("Subject: s", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRefusingTheRecipient_IsADeadLetterAtOnce()
    {
        const string Refusing = "import asyncio,sys\n"
            + "from aiosmtpd.controller import Controller\n"
            + "class H:\n"
            + "    async def handle_RCPT(self, server, session, envelope, address, options):\n"
            + "        return '550 5.7.1 mailbox unavailable'\n"
            + "c = Controller(H(), hostname='127.0.0.1', port=int(sys.argv[1])); c.start()\n"
            + "import time\n"
            + "while True: time.sleep(1)\n";
        using var server = new SmtpServer("-c", Refusing, "{PORT}");
        AlertDispatcher dispatcher = Dispatcher(new SmtpSettings { Host = "127.0.0.1", Port = server.Port, From = "alerts@securedevice.example" });
        dispatcher.Notify(Alert());
        await dispatcher.DeliverDueAsync();
        AlertDelivery dead = Assert.Single(dispatcher.DeadLetters());
        Assert.Equal(1, dead.Attempts);
        Assert.Contains("SMTP 550", dead.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerDown_IsRetried_CredentialsNeverInTheError()
    {
        Environment.SetEnvironmentVariable("SECUREDEVICE_TEST_SMTP_PASSWORD", "hunter2-not-for-logs");
        AlertDispatcher dispatcher = Dispatcher(new SmtpSettings
        {
            Host = "127.0.0.1", Port = FreePort.Next(), From = "alerts@securedevice.example",
            UserVariable = "SECUREDEVICE_TEST_SMTP_USER", PasswordVariable = "SECUREDEVICE_TEST_SMTP_PASSWORD",
        });
        dispatcher.Notify(Alert());
        await dispatcher.DeliverDueAsync();
        Assert.Equal(1, dispatcher.QueueDepth);
        Assert.Equal(1, dispatcher.Counters.Retried);
        Assert.Empty(dispatcher.DeadLetters());
    }
}
