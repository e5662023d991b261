using System;
using System.CommandLine;
using System.Globalization;
using SecureDevice.Core.Telemetry;
using SecureDevice.Tool.Cli;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Doubles;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice health sample|decode</c>: the device's report encoder and a decoder for the service side.</summary>
public static class HealthCommands
{
    /// <summary>A typical health topic ("devices/" + a 7-character id + "/up/health").</summary>
    public const string TypicalTopic = "devices/dev-001/up/health";

    public static Command Create(ToolConsole console)
    {
        var health = new Command("health", "Health reports: print a sample, decode CBOR.");
        var format = new Option<string>("--format") { Description = "json or cbor (default cbor)." };
        var verbose = new Option<bool>("--verbose") { Description = "Also print sizes and bytes per day at the default interval." };
        var sample = new Command("sample", "Print a report with every field at a realistic maximum, made by the device's encoder.") { format, verbose };
        sample.SetAction(result =>
        {
            string chosen = result.GetValue(format) ?? "cbor";
            if (chosen != "json" && chosen != "cbor")
            {
                throw new ToolException("--format must be json or cbor, got '" + chosen + "'");
            }

            var snapshot = new HealthSnapshot();
            RealisticMaximum.Fill(snapshot);
            var report = new HealthReport();
            byte[] buffer = new byte[HealthReport.MaxJsonBytes];
            int cbor = report.EncodeCbor(snapshot, buffer, 0, buffer.Length);
            string cborHex = Convert.ToHexStringLower(buffer, 0, cbor);
            int json = report.EncodeJson(snapshot, buffer, 0, buffer.Length);
            string jsonText = System.Text.Encoding.ASCII.GetString(buffer, 0, json);
            console.Out.WriteLine(chosen == "json" ? jsonText : cborHex);
            if (result.GetValue(verbose))
            {
                foreach (var (name, size) in new[] { ("cbor", cbor), ("json", json) })
                {
                    long perReport = WireEstimate.Qos1Publish(TypicalTopic.Length, size);
                    long perDay = (86400 / 300 * perReport) + (86400 / 60 * WireEstimate.KeepAlivePerPeriod);
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name}: {size} bytes; {perReport} bytes on the wire per report (MQTT, TLS, TCP/IP, PUBACK); {86400 / 300 * perReport} bytes/day at 300 s; {perDay} bytes/day with a 60 s keep-alive"));
                }
            }

            return 0;
        });
        health.Subcommands.Add(sample);

        var hex = new Argument<string>("cbor-hex") { Description = "The report as hex ('-' reads it from standard input)." };
        var named = new Option<bool>("--named") { Description = "Name every value instead of the device's compact form." };
        var decode = new Command("decode", "Turn a CBOR health report (hex) back into JSON.") { hex, named };
        decode.SetAction(result =>
        {
            string text = result.GetValue(hex)!;
            if (text == "-")
            {
                // Bounded: a report is at most 320 bytes, 640 hex digits; more than that is refused, not buffered.
                char[] buffer = new char[(HealthReport.MaxCborBytes * 2) + 64];
                int length = Console.In.ReadBlock(buffer, 0, buffer.Length);
                text = new string(buffer, 0, length);
            }

            text = text.Trim();
            byte[] bytes;
            try
            {
                bytes = Convert.FromHexString(text);
            }
            catch (FormatException)
            {
                throw new ToolException("the report must be an even number of hex digits (" + text.Length + " characters given)");
            }

            if (HealthDecoder.TryDecode(bytes, out DecodedHealthReport? report, out string detail) != HealthDecodeStatus.Decoded)
            {
                throw new ToolException(detail);
            }

            // Generated JSON of numbers and fixed names: written as is (the named form is indented over several lines).
            console.Out.WriteLine(result.GetValue(named) ? report!.ToNamedJson() : report!.ToDeviceJson());
            return 0;
        });
        health.Subcommands.Add(decode);
        return health;
    }
}
