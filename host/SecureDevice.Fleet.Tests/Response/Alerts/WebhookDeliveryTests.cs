using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Fleet.Tests.Response;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

/// <summary>Alerts through a real HTTP receiver (Kestrel), signatures checked with Python's hmac module.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("webhook-secret-of-the-acme-customer-0123456789");
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly TemporaryDirectory _folder = new("alerts");
    private WebhookReceiver _receiver = null!;
    private WebhookSender _sender = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _sender = new WebhookSender(allowLoopback: true, timeout: TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync()
    {
        _sender.Dispose();
        await _receiver.DisposeAsync();
        _folder.Dispose();
    }

    private AlertDispatcher Dispatcher(IAlertStore? store = null, AlertDispatcherOptions? options = null, Uri? url = null) => new(
        new MemoryCustomerContacts(new CustomerContacts("acme", url ?? _receiver.Url, Secret, Array.Empty<string>())),
        store ?? new MemoryAlertStore(), _sender, null, _time, () => 0.5, options);

    private AlertEvent Finding(string device = "dev-1", bool open = true, string rule = "coin-miner") =>
        AlertEvent.ForFinding("acme", device, rule, open, AlertSeverity.Critical, "power and bandwidth up together", "supply 410 mA vs 120 mA", _time.GetUtcNow());

    private static string PythonHmac(byte[] secret, string timestamp, byte[] body, TemporaryDirectory folder)
    {
        string file = folder.Combine("body-" + Guid.NewGuid().ToString("N"));
        System.IO.File.WriteAllBytes(file, body);
        return ExternalProcess.Run("/usr/bin/python3", new[]
        {
            "-c", "import hmac,hashlib,sys; print(hmac.new(bytes.fromhex(sys.argv[1]), sys.argv[2].encode() + b'.' + open(sys.argv[3],'rb').read(), hashlib.sha256).hexdigest())",
            Convert.ToHexString(secret), timestamp, file,
        }).EnsureSuccess("python3 hmac").Output.Trim();
    }

    [Fact]
    public async Task Alert_ArrivesSigned_SignatureVerifiedIndependently_BodyIsTheDocumentedFormat()
    {
        AlertDispatcher dispatcher = Dispatcher();
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Finding()));
        Assert.Equal(1, await dispatcher.DeliverDueAsync());
        ReceivedHook hook = Assert.Single(_receiver.Received);
        Assert.Equal("application/json; charset=utf-8", hook.ContentType);
        string[] parts = hook.Signature!.Split(',');
        Assert.Equal("t=" + _time.GetUtcNow().ToUnixTimeSeconds(), parts[0]);
        Assert.Equal("v1=" + PythonHmac(Secret, parts[0][2..], hook.Body, _folder), parts[1]);
        Assert.Equal(SignatureStatus.Valid, WebhookSignature.Verify(Secret, hook.Signature, hook.Body, _time.GetUtcNow(), WebhookSignature.DefaultTolerance));
        JsonNode body = JsonNode.Parse(hook.Body)!;
        Assert.Equal(hook.EventId, body["id"]!.GetValue<string>());
        Assert.Equal((1, "alert", "acme", "dev-1", "coin-miner", "opened", "critical"), (body["version"]!.GetValue<int>(), body["type"]!.GetValue<string>(), body["customer"]!.GetValue<string>(),
            body["device"]!.GetValue<string>(), body["kind"]!.GetValue<string>(), body["state"]!.GetValue<string>(), body["severity"]!.GetValue<string>()));
        Assert.Empty(dispatcher.DeadLetters());
        Assert.Equal(1, dispatcher.Counters.Sent);
        Assert.Equal(0, dispatcher.QueueDepth);
    }

    private static string OpenSslHmac(byte[] secret, string timestamp, byte[] body, TemporaryDirectory folder)
    {
        // A second, independent implementation: OpenSSL's HMAC over the exact bytes "t" + "." + body.
        string file = folder.Combine("signed-" + Guid.NewGuid().ToString("N"));
        System.IO.File.WriteAllBytes(file, Encoding.ASCII.GetBytes(timestamp + ".").Concat(body).ToArray());
        string output = ExternalProcess.Run("openssl", new[] { "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + Convert.ToHexString(secret), file })
            .EnsureSuccess("openssl dgst").Output.Trim();
        return output[(output.LastIndexOf(' ') + 1)..];
    }

    [Fact]
    public async Task ReceiverAlwaysFailing_RetriedExactlyOnTheBackoffSchedule_EachAttemptSigned_ThenADeadLetter()
    {
        for (int i = 0; i < 8; i++)
        {
            _receiver.Statuses.Enqueue(500);
        }

        AlertDispatcher dispatcher = Dispatcher();
        dispatcher.Notify(Finding());
        Assert.Equal(1, await dispatcher.DeliverDueAsync());

        // random = 0.5: the wait after failure n is 1 s + (min(30 s * 2^(n-1), 1 h) - 1 s) / 2.
        double[] waits = { 15.5, 30.5, 60.5, 120.5, 240.5, 480.5, 960.5 };
        foreach (double wait in waits)
        {
            _time.Advance(TimeSpan.FromSeconds(wait - 0.5));
            Assert.Equal(0, await dispatcher.DeliverDueAsync());
            _time.Advance(TimeSpan.FromSeconds(0.5));
            Assert.Equal(1, await dispatcher.DeliverDueAsync());
        }

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await dispatcher.DeliverDueAsync());
        Assert.Equal(8, _receiver.Received.Count);
        foreach (ReceivedHook hook in _receiver.Received)
        {
            string[] parts = hook.Signature!.Split(',');
            Assert.Equal("v1=" + OpenSslHmac(Secret, parts[0][2..], hook.Body, _folder), parts[1]);
        }

        AlertDelivery dead = Assert.Single(dispatcher.DeadLetters());
        Assert.Equal((8, DeliveryState.Dead, AlertChannel.Webhook), (dead.Attempts, dead.State, dead.Channel));
        Assert.Contains("HTTP 500", dead.LastError, StringComparison.Ordinal);
        Assert.Equal((7L, 1L, 0L), (dispatcher.Counters.Retried, dispatcher.Counters.Dead, dispatcher.Counters.Sent));
        Assert.Equal(0, dispatcher.QueueDepth);
    }

    [Fact]
    public async Task OnFindingChanged_OpenedAndCleared_ArriveSigned_RepeatsAreDuplicates()
    {
        AlertDispatcher dispatcher = Dispatcher();
        var opened = new FindingChange
        {
            CustomerId = "acme", DeviceId = "dev-9", Rule = "coin-miner", Severity = AlertSeverity.Critical, TrustsDevice = true,
            Observed = 410, Expected = 120, Evidence = "supply current and bytes up together, version unchanged",
            FirstSeen = _time.GetUtcNow(), LastSeen = _time.GetUtcNow(), Open = true,
        };
        Assert.Equal(NotifyStatus.Queued, dispatcher.OnFindingChanged(opened));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(NotifyStatus.Duplicate, dispatcher.OnFindingChanged(opened with { LastSeen = _time.GetUtcNow() }));
        Assert.Equal(NotifyStatus.Queued, dispatcher.OnFindingChanged(opened with { Open = false, LastSeen = _time.GetUtcNow(), TrustsDevice = false, Observed = null, Expected = null }));
        Assert.Equal(NotifyStatus.Invalid, dispatcher.OnFindingChanged(opened with { Rule = "Coin Miner" }));
        await dispatcher.DeliverDueAsync();

        Assert.Equal(2, _receiver.Received.Count);
        JsonNode first = JsonNode.Parse(_receiver.Received[0].Body)!;
        JsonNode second = JsonNode.Parse(_receiver.Received[1].Body)!;
        Assert.Equal(("coin-miner", "opened", "2026-11-22T10:00:00Z"), (first["kind"]!.GetValue<string>(), first["state"]!.GetValue<string>(), first["occurredAt"]!.GetValue<string>()));
        Assert.Equal("observed 410, expected 120; from the device's own reports", first["evidence"]!.GetValue<string>());
        Assert.Equal(("cleared", "2026-11-22T10:05:00Z"), (second["state"]!.GetValue<string>(), second["occurredAt"]!.GetValue<string>()));
        Assert.Equal("seen at the broker and service, no trust in the device", second["evidence"]!.GetValue<string>());
        foreach (ReceivedHook hook in _receiver.Received)
        {
            Assert.Equal(SignatureStatus.Valid, WebhookSignature.Verify(Secret, hook.Signature, hook.Body, _time.GetUtcNow(), WebhookSignature.DefaultTolerance));
        }
    }

    [Fact]
    public async Task SameStateTwice_IsSentOnce_AChangeIsSentAgain()
    {
        AlertDispatcher dispatcher = Dispatcher();
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Finding()));
        Assert.Equal(NotifyStatus.Duplicate, dispatcher.Notify(Finding()));
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Finding(open: false)));
        Assert.Equal(NotifyStatus.Duplicate, dispatcher.Notify(Finding(open: false)));
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Finding(rule: "reboot-loop")));
        await dispatcher.DeliverDueAsync();
        Assert.Equal(new[] { "opened", "cleared", "opened" }, _receiver.Received.Select(h => JsonNode.Parse(h.Body)!["state"]!.GetValue<string>()));
        Assert.Equal(2, dispatcher.Counters.Duplicates);
    }

    [Fact]
    public async Task Burst_BecomesThreeAlertsAndOneSummary()
    {
        AlertDispatcher dispatcher = Dispatcher();
        var statuses = Enumerable.Range(0, 40).Select(i => dispatcher.Notify(Finding("dev-" + i))).ToArray();
        Assert.Equal(3, statuses.Count(s => s == NotifyStatus.Queued));
        Assert.Equal(37, statuses.Count(s => s == NotifyStatus.Summarized));
        await dispatcher.DeliverDueAsync();
        Assert.Equal(3, _receiver.Received.Count);
        _time.Advance(TimeSpan.FromMinutes(10));
        await dispatcher.DeliverDueAsync();
        JsonNode summary = JsonNode.Parse(_receiver.Received.Last().Body)!;
        Assert.Equal(("summary", 37, 37), (summary["type"]!.GetValue<string>(), summary["count"]!.GetValue<int>(), summary["kinds"]!["coin-miner"]!.GetValue<int>()));
        Assert.Equal(20, summary["devices"]!.AsArray().Count);
        Assert.Equal(17, summary["devicesOmitted"]!.GetValue<int>());
        Assert.Equal(NotifyStatus.Duplicate, dispatcher.Notify(Finding("dev-39")));
    }

    [Fact]
    public async Task ReceiverErrors_AreRetriedUnderBackoff_SameEventIdFreshSignature()
    {
        _receiver.Statuses.Enqueue(503);
        _receiver.Statuses.Enqueue(429);
        AlertDispatcher dispatcher = Dispatcher();
        dispatcher.Notify(Finding());
        await dispatcher.DeliverDueAsync();
        Assert.Equal(0, await dispatcher.DeliverDueAsync());
        _time.Advance(TimeSpan.FromSeconds(15.5));
        Assert.Equal(1, await dispatcher.DeliverDueAsync());
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await dispatcher.DeliverDueAsync());
        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(1, await dispatcher.DeliverDueAsync());
        Assert.Equal(3, _receiver.Received.Count);
        Assert.Single(_receiver.Received.Select(h => h.EventId).Distinct());
        Assert.Equal(3, _receiver.Received.Select(h => h.Signature).Distinct().Count());
        Assert.Equal((2, 1L), (dispatcher.Counters.Retried, dispatcher.Counters.Sent));
    }

    [Fact]
    public async Task ReceiverDown_DeadLetterAfterEightAttempts()
    {
        AlertDispatcher dispatcher = Dispatcher(url: new Uri("http://127.0.0.1:" + FreePort.Next() + "/hook"));
        dispatcher.Notify(Finding());
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(1, await dispatcher.DeliverDueAsync());
            _time.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(0, await dispatcher.DeliverDueAsync());
        AlertDelivery dead = Assert.Single(dispatcher.DeadLetters());
        Assert.Equal((8, DeliveryState.Dead), (dead.Attempts, dead.State));
        Assert.Contains("cannot reach 127.0.0.1", dead.LastError, StringComparison.Ordinal);
        Assert.Equal(0, dispatcher.QueueDepth);
    }

    [Theory]
    [InlineData(400, "HTTP 400 receiver says no")]
    [InlineData(302, "redirects are not followed")]
    public async Task PermanentRefusal_IsDeadAtOnce_NoRedirectFollowed(int status, string detail)
    {
        _receiver.Statuses.Enqueue(status);
        AlertDispatcher dispatcher = Dispatcher();
        dispatcher.Notify(Finding());
        await dispatcher.DeliverDueAsync();
        AlertDelivery dead = Assert.Single(dispatcher.DeadLetters());
        Assert.Equal(1, dead.Attempts);
        Assert.Contains(detail, dead.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(_receiver.Received, h => h.Path == "/elsewhere");
    }

    [Fact]
    public async Task TwoPassesAtOnce_SendEachDeliveryOnce()
    {
        _receiver.Delay = TimeSpan.FromMilliseconds(500);
        AlertDispatcher dispatcher = Dispatcher();
        dispatcher.Notify(Finding());
        int[] attempts = await Task.WhenAll(dispatcher.DeliverDueAsync(), dispatcher.DeliverDueAsync());
        Assert.Equal(1, attempts.Sum());
        Assert.Single(_receiver.Received);
        Assert.Equal(1, dispatcher.Counters.Sent);
    }

    [Fact]
    public void FullQueue_IsAStatus_NothingGrows()
    {
        AlertDispatcher dispatcher = Dispatcher(options: new AlertDispatcherOptions { Capacity = 2, PerWindow = 100 });
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Finding("dev-1")));
        Assert.Equal(NotifyStatus.Queued, dispatcher.Notify(Finding("dev-2")));
        Assert.Equal(NotifyStatus.QueueFull, dispatcher.Notify(Finding("dev-3")));
        Assert.Equal(2, dispatcher.QueueDepth);
        Assert.Equal(1, dispatcher.Counters.QueueFull);
    }

    [Fact]
    public async Task Restart_WithAFileStore_DeliversWhatWasWaiting_AndRemembersStates()
    {
        string journal = _folder.Combine("alerts.jsonl");
        _receiver.Statuses.Enqueue(503);
        using (var store = new FileAlertStore(journal, _time))
        {
            AlertDispatcher first = Dispatcher(store);
            first.Notify(Finding());
            await first.DeliverDueAsync();
            Assert.Equal(1, first.QueueDepth);
        }

        Assert.Equal(System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(journal));
        using (var store = new FileAlertStore(journal, _time))
        {
            AlertDispatcher second = Dispatcher(store);
            Assert.Equal(1, second.QueueDepth);
            Assert.Equal(NotifyStatus.Duplicate, second.Notify(Finding()));
            _time.Advance(TimeSpan.FromMinutes(1));
            await second.DeliverDueAsync();
            Assert.Equal(0, second.QueueDepth);
        }

        Assert.Equal(2, _receiver.Received.Count);
        Assert.Single(_receiver.Received.Select(h => h.EventId).Distinct());
        using var third = new FileAlertStore(journal, _time);
        Assert.Equal(DeliveryState.Sent, Assert.Single(third.Deliveries()).State);
    }

    [Fact]
    public async Task Sender_RefusesLoopbackAndPlainHttp_WhenNotInTestMode()
    {
        using var production = new WebhookSender();
        DeliveryResult http = await production.SendAsync(_receiver.Url, Secret, "alt_1", new byte[] { 1 }, _time.GetUtcNow());
        Assert.Equal(DeliveryOutcome.Permanent, http.Outcome);
        DeliveryResult loopback = await production.SendAsync(new Uri("https://127.0.0.1:" + _receiver.Url.Port + "/hook"), Secret, "alt_1", new byte[] { 1 }, _time.GetUtcNow());
        Assert.Equal(DeliveryOutcome.Permanent, loopback.Outcome);
        Assert.Contains("may not reach", loopback.Detail, StringComparison.Ordinal);
        Assert.Empty(_receiver.Received);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("2606:4700::6810:84e5", false)]
    public void IsForbidden_PrivateAndSpecialAddresses(string address, bool forbidden)
    {
        Assert.Equal(forbidden, WebhookSender.IsForbidden(IPAddress.Parse(address), allowLoopback: false));
    }
}
