using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.TestSupport;
using Xunit;
using SecureDevice.Core.Text;

namespace SecureDevice.Tool.Tests.Hostile;

/// <summary>One PKI shared by the property runs (each run provisions a fresh id).</summary>
public sealed class PropertyPki : IDisposable
{
    private readonly TemporaryDirectory _folder = new("property-pki");
    private int _next;

    public PropertyPki() => ToolRun.Ok("pki", "init", "--out", Pki);

    public string Pki => _folder.Combine("pki");

    public string Devices => _folder.Combine("devices");

    public string NextId() => "p-" + Interlocked.Increment(ref _next);

    /// <summary>Runs the tool accepted (written to the log, so a run that only saw refusals shows).</summary>
    public int Accepted { get; set; }

    public void Dispose()
    {
        Console.WriteLine("provision property: " + _next + " runs, " + Accepted + " accepted");
        _folder.Dispose();
    }
}

/// <summary>
/// D5 as a property: every config.json that 'securedevice provision' writes, the device's own DeviceConfigParser
/// accepts, with exactly the values given on the command line; and every refusal is one line, exit 2, nothing written
/// and the id still free. Inputs mix valid values with the kinds the tool once let through (IPv6 literals, underscores,
/// short intervals, port 0) and with junk (control characters, non-ASCII, huge numbers).
/// </summary>
public sealed class ProvisionRoundTripProperties : IClassFixture<PropertyPki>
{
    private readonly PropertyPki _pki;

    public ProvisionRoundTripProperties(PropertyPki pki) => _pki = pki;

    public sealed record Candidate(string Host, string Port, string Interval, string Product, string Hardware)
    {
        public override string ToString() =>
            "host='" + Escape(Host) + "' port='" + Escape(Port) + "' interval='" + Escape(Interval) + "' product='" + Escape(Product) + "' hardware='" + Escape(Hardware) + "'";

        private static string Escape(string text) => SecureDevice.Fleet.Text.Printable.Escape(text);
    }

    private static readonly Gen<string> Label = Gen.Elements("a", "b1", "broker", "x-y", "0", "123", "lab-7", new string('q', 63), new string('q', 64), "-a", "a-", "my_broker", "BRÖKER", "a b");

    private static readonly Gen<string> Host = Gen.Frequency(
        (6, Gen.ArrayOf(Label, 0).Zip(Gen.Choose(1, 5)).SelectMany(pair => Gen.ArrayOf(Label, pair.Item2)).Select(labels => string.Join(".", labels))),
        (3, Gen.Choose(0, 300).ArrayOf(4).Select(parts => string.Join(".", parts))),
        (2, Gen.Elements("::1", "my_broker.local", "localhost", "localhost.", ".local", "a..b", "", " ", "broker\n", "broker\u001b[2J", "[::1]", "10.0.0.1:8883",
            "xn--brker-kva.example", "1.2.3", "\u0130stanbul.example", new string('a', 250) + ".com", string.Join(".", Enumerable.Repeat(new string('a', 63), 4)))));

    private static readonly Gen<string> Number = Gen.Frequency(
        (5, Gen.Choose(-5, 90_000).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Elements("0", "1", "59", "60", "600", "8883", "65535", "65536", "86400", "86401", "2147483647", "2147483648", "99999999999999999999", "-1", "+1", "1e3", "0x10", " 1", "١٢٣", "")));

    private static readonly Gen<string> Identifier = Gen.Frequency(
        (3, Gen.Elements("sensor", "esp32", "gateway.v2", "a", new string('p', 48), "A_B-c.d")),
        (1, Gen.Elements(new string('p', 49), "-x", "x y", "sensör", "", "a/b", "a..b", "a\nb")));

    private static Arbitrary<Candidate> Candidates() =>
        Host.SelectMany(host => Number.SelectMany(port => Number.SelectMany(interval => Identifier.SelectMany(product => Identifier.Select(hardware =>
            new Candidate(host, port, interval, product, hardware)))))).ToArbitrary();

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property EveryConfigTheToolWrites_TheDeviceParserReadsBackExactly() =>
        Prop.ForAll(Candidates(), candidate =>
        {
            string id = _pki.NextId();
            ToolResult run = ToolRun.Run("provision", id, "--pki", _pki.Pki, "--out", _pki.Devices, "--broker-host", candidate.Host, "--broker-port", candidate.Port,
                "--telemetry-interval-s", candidate.Interval, "--product", candidate.Product, "--hardware", candidate.Hardware);
            string config = Path.Combine(_pki.Devices, id + ".config.json");
            string inventory = File.ReadAllText(Path.Combine(_pki.Pki, "inventory.json"));
            if (run.ExitCode == 0)
            {
                _pki.Accepted++;
            }

            if (run.ExitCode != 0)
            {
                // Refused: one line, exit 2, nothing written, the id not burnt.
                return run.ExitCode == 2 && run.Error.Trim().Split('\n').Length == 1 && !File.Exists(config) && !inventory.Contains("\"" + id + "\"", StringComparison.Ordinal);
            }

            byte[] bytes = File.ReadAllBytes(config);
            var parser = new DeviceConfigParser();
            return parser.TryParse(bytes, 0, bytes.Length, out DeviceConfig? parsed) == DocumentStatus.Valid
                && parsed!.DeviceId == id && parsed.BrokerHost == candidate.Host && parsed.BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == candidate.Port.TrimStart('0').PadLeft(1, '0')
                && parsed.TelemetryIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) == candidate.Interval.TrimStart('0').PadLeft(1, '0')
                && parsed.Product == candidate.Product && parsed.Hardware == candidate.Hardware && inventory.Contains("\"" + id + "\"", StringComparison.Ordinal);
        });

    [Fact]
    public void TheGeneratorsProduceAcceptedAndRefusedConfigs()
    {
        // A property that only ever sees refusals proves nothing: sample and require both outcomes.
        Candidate[] sample = Candidates().Generator.Sample(200).ToArray();
        int accepted = sample.Count(c => SecureDevice.Core.Config.DeviceConfigParser.IsHostName(c.Host) && int.TryParse(c.Port, out int p) && p is >= 1 and <= 65535
            && int.TryParse(c.Interval, out int i) && i is >= 60 and <= 86400 && SafeName.IsIdentifier(c.Product, 48) && SafeName.IsIdentifier(c.Hardware, 48));
        Assert.InRange(accepted, 3, 197);
    }
}
