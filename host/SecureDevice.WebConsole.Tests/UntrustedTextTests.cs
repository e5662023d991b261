using System;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// Text a device chose (its events' kinds and payloads, the evidence of findings about it) is shown on the console's
/// pages through <c>Printable.Escape</c> before Razor's HTML encoding: Razor alone turns U+202E into <c>&amp;#x202E;</c>,
/// which the browser still applies as a right-to-left override (a device could reverse its own text in front of an operator).
/// </summary>
public sealed class UntrustedTextTests
{
    /// <summary>Markup, a right-to-left override, a zero-width space and an escape sequence.</summary>
    private const string Hostile = "<script>alert(1)</script>a\u202Eb\u200Bc\u001b[2J";

    /// <summary><see cref="Hostile"/> as the page must show it: controls visible, then HTML-encoded.</summary>
    private const string Shown = "&lt;script&gt;alert(1)&lt;/script&gt;a\\u{202e}b\\u{200b}c\\x1b[2J";

    [Fact]
    public async Task DeviceFeedAndOverview_HostileEventAndEvidence_ShownWithControlsVisible_NoRawBidiOrControl()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(offers: false);
        long now = host.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        long deviceRef = (await host.Store.ListDevicesAsync(CancellationToken.None)).Single(d => d.DeviceId == ConsoleTestHost.AcmeDevice).Ref;
        var batch = new IngestBatch();
        // Valid JSON: the RLO and ZWSP raw in the stored payload, the ESC as a JSON escape (raw only once parsed into the columns).
        batch.Events.Add(new EventRow(deviceRef, ConsoleTestHost.AcmeDevice, now - 2000, "update", "update:3:1", 3, 1,
            "{\"state\":\"" + Hostile.Replace("\u001b", "\\u001b", StringComparison.Ordinal) + "\"}"));
        // Not JSON: a raw ESC in the payload itself, and a kind of the device's choosing.
        batch.Events.Add(new EventRow(deviceRef, ConsoleTestHost.AcmeDevice, now - 1000, "fault\u202E\u001b", "fault:3:2", 3, 2, "raw " + Hostile));
        await host.Store.CommitAsync(batch, CancellationToken.None);
        await host.Store.UpsertFindingAsync(new FindingRecord(0, ConsoleTestHost.AcmeDevice, "rule-hostile", "warning", true, null, null, Hostile, now - 3000, now - 3000, "open"), CancellationToken.None);
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(viewer);

        string page = (await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice)).Body;
        string events = Section(page, "Events");
        Assert.Contains("<td>" + Shown + "</td>", events, StringComparison.Ordinal); // the parsed state column
        Assert.Contains("<td>fault\\u{202e}\\x1b</td>", events, StringComparison.Ordinal);
        Assert.Contains("<code>raw " + Shown + "</code>", events, StringComparison.Ordinal);
        Assert.Contains("\\u{202e}b\\u{200b}c\\u001b[2J&quot;}</code>", events, StringComparison.Ordinal); // the stored JSON payload
        Assert.Contains("<td>" + Shown + "</td>", Section(page, "Anomalies"), StringComparison.Ordinal);

        foreach (string path in new[] { "/feed", "/" })
        {
            Answer other = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, other.Status);
            Assert.Contains("<td>" + Shown + "</td>", other.Body, StringComparison.Ordinal);
            NoRawHostileText(other.Body);
        }

        NoRawHostileText(page);
    }

    private static void NoRawHostileText(string page)
    {
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
        Assert.False(page.Any(c => c is '\u202E' or '\u200B' or '\u001b'), "a raw bidi, zero-width or control character in the page");
        // Razor's own encoding of them is not enough: the browser decodes and applies it.
        Assert.DoesNotContain("&#x202E;", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("&#x200B;", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("&#x1B;", page, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A section of the device page: from its heading to the next one.</summary>
    private static string Section(string page, string heading)
    {
        Match section = Regex.Match(page, "<h2>" + heading + ".*?(?=<h2>)", RegexOptions.Singleline);
        Assert.True(section.Success, "no " + heading + " section");
        return section.Value;
    }
}
