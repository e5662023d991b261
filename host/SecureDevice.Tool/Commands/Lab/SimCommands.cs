using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using SecureDevice.Tool.Cli;
using SecureDevice.Lab.Simulation;

namespace SecureDevice.Tool.Commands.Lab;

/// <summary><c>securedevice sim glitch|storm|update|anomalies</c>: deterministic simulations that print a table and, last, one RESULT line.</summary>
public static class SimCommands
{
    public static Command Create(ToolConsole console)
    {
        var sim = new Command("sim", "Deterministic simulations of the firmware core (flood guard, updates) and the fleet's detection.");
        sim.Subcommands.Add(Glitch(console));
        sim.Subcommands.Add(Storm(console));
        sim.Subcommands.Add(Update(console));
        sim.Subcommands.Add(Anomalies(console));
        return sim;
    }

    private static Option<string> Seed() => new("--seed") { Description = "Random seed (default 1)." };

    private static ulong SeedValue(ParseResult result, Option<string> seed) =>
        result.GetValue(seed) is string text ? (ulong)CliParsing.Count(text, "--seed", long.MaxValue) : 1UL;

    private static Command Glitch(ToolConsole console)
    {
        var hours = new Option<string>("--hours") { Description = "Simulated hours, 1..8784 (default 24)." };
        var reboot = new Option<string>("--reboot-every-s") { Description = "Reboot after this many seconds of uptime (default: never)." };
        var seed = Seed();
        var command = new Command("glitch", "One device whose connection always fails, optionally in a reboot loop.") { hours, reboot, seed };
        command.SetAction(result =>
        {
            int h = result.GetValue(hours) is string ht ? CliParsing.Between(ht, "--hours", 1, GlitchSimulation.MaxHours) : 24;

            int? every = result.GetValue(reboot) is string rt ? (int)CliParsing.Count(rt, "--reboot-every-s", 86400) : null;
            if (every is < 5)
            {
                throw new ToolException("--reboot-every-s must be at least 5");
            }

            GlitchResult run = GlitchSimulation.Run(h, every, SeedValue(result, seed));
            var o = console.Out;
            o.WriteLine("glitch: connection always fails" + (every.HasValue ? ", reboot every " + every + " s" : string.Empty) + ", " + h + " h");
            o.WriteLine("{0,5} {1,9} {2,6} {3,13} {4,10}", "hour", "attempts", "boots", "flash writes", "safe mode");
            foreach (GlitchHour row in run.Hours)
            {
                o.WriteLine("{0,5} {1,9} {2,6} {3,13} {4,10}", row.Hour, row.Attempts, row.Boots, row.FlashWrites, row.SafeMode ? "yes" : "no");
            }

            o.WriteLine(FormattableString.Invariant($"targets: first hour <= 30 (got {run.AttemptsFirstHour}), steady <= 12/h (got {run.AttemptsPerHourSteady:0.00}); esp-mqtt's fixed 10 s makes 360/h; max flash writes/h {run.MaxFlashWritesPerHour}"));
            o.WriteLine(run.ResultLine);
            return 0;
        });
        return command;
    }

    private static Command Storm(ToolConsole console)
    {
        var devices = new Option<string>("--devices") { Description = "Fleet size, 1..20000 (default 10000; the run grows with devices squared)." };
        var quota = new Option<string>("--quota") { Description = "CONNECTs per second the broker admits after recovery (default 500)." };
        var outage = new Option<string>("--outage-s") { Description = "Outage length in seconds (default 600)." };
        var seed = Seed();
        var command = new Command("storm", "A whole fleet loses the broker at once; compares SecureDevice's policy with fixed and full-jitter retries.")
        {
            devices, quota, outage, seed,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(devices) is string d ? CliParsing.Between(d, "--devices", 1, StormSimulation.MaxDevices) : 10_000;
            int q = result.GetValue(quota) is string qt ? CliParsing.Between(qt, "--quota", 1, 1_000_000) : 500;
            int o = result.GetValue(outage) is string ot ? (int)CliParsing.Count(ot, "--outage-s", 86_400) : 600;
            ulong s = SeedValue(result, seed);
            var w = console.Out;
            w.WriteLine("storm: " + n + " devices, broker down " + o + " s, then admits " + q + " CONNECT/s; figures after recovery");
            w.WriteLine("{0,-24} {1,10} {2,9} {3,11} {4,8} {5,8} {6,14}", "policy", "attempts", "per dev", "peak/s", "t99 s", "t100 s", "outage probes");
            StormResult? ours = null;
            foreach (string policy in new[] { StormPolicies.Fixed10, StormPolicies.Fixed1, StormPolicies.FullJitter, StormPolicies.SecureDevice })
            {
                StormResult r = StormSimulation.Run(policy, n, q, o, s);
                w.WriteLine("{0,-24} {1,10} {2,9} {3,11} {4,8} {5,8} {6,14}", r.Policy, r.Attempts,
                    (r.Attempts / (double)n).ToString("0.00", CultureInfo.InvariantCulture), r.PeakPerSecond, Seconds(r.T99Seconds), Seconds(r.T100Seconds), r.OutageProbes);
                if (policy == StormPolicies.SecureDevice)
                {
                    ours = r;
                }
            }

            w.WriteLine(FormattableString.Invariant($"targets for securedevice: attempts <= {1.05 * n:0}, peak <= {1.1 * q:0}/s, t99 <= {1.5 * n / q:0.0} s (physical limit {n / (double)q:0.0} s)"));
            w.WriteLine(ours!.ResultLine);
            return 0;
        });
        return command;
    }

    private static Command Anomalies(ToolConsole console)
    {
        var devices = new Option<string>("--devices") { Description = "Fleet size, 1.." + AnomalyOptions.MaxDevices + " (default 1000)." };
        var days = new Option<string>("--days") { Description = "Simulated days, 1.." + AnomalyOptions.MaxDays + " (default 7)." };
        var miners = new Option<string>("--miners") { Description = "Devices that turn coin miner (default 10)." };
        var glitches = new Option<string>("--glitches") { Description = "Devices that flood, reconnect-storm or send garbage (default 10)." };
        var loops = new Option<string>("--loops") { Description = "Devices that enter a reboot loop (default 5)." };
        var silent = new Option<string>("--silent") { Description = "Devices that go silent (default 5)." };
        var seed = Seed();
        var command = new Command("anomalies", "A simulated fleet's reports and broker windows through the fleet's detectors: who is flagged, how fast, false alarms.")
        {
            devices, days, miners, glitches, loops, silent, seed,
        };
        command.SetAction(result =>
        {
            int n = result.GetValue(devices) is string d ? CliParsing.Between(d, "--devices", 1, AnomalyOptions.MaxDevices) : 1000;
            var options = new AnomalyOptions(
                n,
                result.GetValue(days) is string dt ? CliParsing.Between(dt, "--days", 1, AnomalyOptions.MaxDays) : 7,
                result.GetValue(miners) is string m ? (int)CliParsing.Count(m, "--miners", n) : 10,
                result.GetValue(glitches) is string g ? (int)CliParsing.Count(g, "--glitches", n) : 10,
                result.GetValue(loops) is string l ? (int)CliParsing.Count(l, "--loops", n) : 5,
                result.GetValue(silent) is string s ? (int)CliParsing.Count(s, "--silent", n) : 5,
                SeedValue(result, seed));
            if (options.Miners + options.Glitches + options.Loops + options.Silent > n)
            {
                throw new ToolException("more anomalous devices than --devices " + n);
            }

            AnomalyResult run = AnomalySimulation.Run(options);
            var o = console.Out;
            o.WriteLine(FormattableString.Invariant($"anomalies: {n} devices, {options.Days} days, seed {options.Seed}: {run.Reports} reports and {run.Windows} broker windows in {run.Seconds:0.0} s; detection state {run.StateBytesPerDevice} bytes per device"));
            o.WriteLine("{0,-10} {1,-11} {2,-38} {3,9} {4,-18} {5,8}", "device", "kind", "detail", "onset h", "first rule", "reports");
            foreach (AnomalyOutcome a in run.Anomalies.OrderBy(a => a.Kind).ThenBy(a => a.OnsetSeconds))
            {
                o.WriteLine("{0,-10} {1,-11} {2,-38} {3,9} {4,-18} {5,8}", a.Id, a.Kind, a.Detail, (a.OnsetSeconds / 3600).ToString("0.0", CultureInfo.InvariantCulture),
                    a.FirstRule ?? "NOT FLAGGED", a.DetectReports < 0 ? "-" : a.DetectReports.ToString(CultureInfo.InvariantCulture));
            }

            o.WriteLine("{0,-20} {1,-14} {2,14} {3,13}", "rule", "trusts device", "on anomalies", "false alarms");
            foreach (RuleFigures rule in run.Rules)
            {
                o.WriteLine("{0,-20} {1,-14} {2,14} {3,13}", rule.Rule, rule.TrustsDevice ? "yes" : "no", rule.TruePositives, rule.FalseAlarms);
            }

            foreach (FalseAlarm alarm in run.FalseAlarmList.Take(20))
            {
                o.WriteLine(FormattableString.Invariant($"false alarm: {alarm.Id} ({alarm.Kind}) at {alarm.Hours:0.0} h: {alarm.Finding.Code} {alarm.Finding.Severity}: {alarm.Finding.Evidence}"));
            }

            foreach (AnomalyKind kind in new[] { AnomalyKind.CoinMiner, AnomalyKind.Glitch, AnomalyKind.RebootLoop, AnomalyKind.Silent })
            {
                var group = run.Anomalies.Where(a => a.Kind == kind).ToList();
                var hits = group.Where(a => a.FirstRule != null).Select(a => a.DetectReports).OrderBy(x => x).ToList();
                o.WriteLine(FormattableString.Invariant($"RESULT kind={kind} flagged={hits.Count}/{group.Count} detect_reports_max={(hits.Count == 0 ? -1 : hits[^1])}"));
            }

            foreach (RuleFigures rule in run.Rules)
            {
                o.WriteLine(FormattableString.Invariant($"RESULT rule={rule.Rule} trusts_device={(rule.TrustsDevice ? 1 : 0)} on_anomalies={rule.TruePositives} false_alarms={rule.FalseAlarms}"));
            }

            bool met = run.Flagged == run.Anomalies.Count && run.FlaggedWithinThree == run.Anomalies.Count && run.FalseAlarmDevices == 0;
            o.WriteLine(FormattableString.Invariant($"targets: every anomalous device flagged within 3 report intervals of onset ({run.FlaggedWithinThree}/{run.Anomalies.Count}), no false alarm on the {n - run.Anomalies.Count} others ({run.FalseAlarmDevices} devices, {run.FalseAlarmFindings} findings): {(met ? "met" : "NOT met")}"));
            o.WriteLine(run.ResultLine);
            return met ? 0 : ExitCodes.Failed;
        });
        return command;
    }

    private static string Seconds(double value) => double.IsPositiveInfinity(value) ? ">" + StormSimulation.HorizonSeconds : value.ToString("0.0", CultureInfo.InvariantCulture);

    private static Command Update(ToolConsole console)
    {
        var size = new Option<string>("--bundle-kb") { Description = "Bundle size in KiB, 1..4096 (default 200)." };
        var drops = new Option<string>("--drop-percent") { Description = "Chance in percent that a download connection breaks (default 30)." };
        var seed = Seed();
        var command = new Command("update", "A whole signed update on a virtual device over HTTPS with random drops, then a power cut at every flash write.")
        {
            size, drops, seed,
        };
        command.SetAction(result =>
        {
            int kb = result.GetValue(size) is string k ? (int)CliParsing.Count(k, "--bundle-kb", 4096) : 200;
            int percent = result.GetValue(drops) is string d ? (int)CliParsing.Count(d, "--drop-percent", 90) : 30;
            if (kb < 1)
            {
                throw new ToolException("--bundle-kb must be 1..4096");
            }

            UpdateSimulationResult run = UpdateSimulation.Run(kb, SeedValue(result, seed), percent / 100.0);
            var o = console.Out;
            o.WriteLine(FormattableString.Invariant($"update: {run.BundleBytes} bytes in {run.Files} files over HTTPS (loopback), {percent} % of connections dropped, seed {SeedValue(result, seed)}"));
            o.WriteLine("{0,-28} {1}", "measure", "value");
            o.WriteLine("{0,-28} {1}", "boots (offer to confirmed)", run.Boots);
            o.WriteLine("{0,-28} {1}", "faults injected", run.InjectedFaults);
            o.WriteLine("{0,-28} {1}", "downloads resumed", run.Resumes);
            o.WriteLine("{0,-28} {1}", "bytes received", FormattableString.Invariant($"{run.BytesReceived} (bundle {run.BundleBytes} + documents; no payload byte twice unless a resume was refused)"));
            o.WriteLine("{0,-28} {1}", "bytes re-hashed from flash", run.BytesRehashed);
            o.WriteLine("{0,-28} {1}", "flash writes per update", FormattableString.Invariant($"{run.FlashWrites} ({run.Appends} chunk appends, the rest documents, journal and deletes)"));
            o.WriteLine("{0,-28} {1}", "largest read / flash write", FormattableString.Invariant($"{run.LargestRead} / {run.LargestWrite} bytes"));
            o.WriteLine("{0,-28} {1}", "peak buffer bytes", FormattableString.Invariant($"{run.PeakBufferBytes} (documents {run.DocumentBufferBytes} + one chunk)"));
            o.WriteLine("{0,-28} {1}", "download + verify", FormattableString.Invariant($"{run.MillisecondsPer100Kb:0.0} ms per 100 KiB (host; backoff waits simulated)"));
            o.WriteLine("{0,-28} {1}", "power-loss sweep", FormattableString.Invariant($"{run.CrashPoints} crash points, {run.Recovered} recovered to a confirmed 1.1.0, a verified slot at every boot"));
            foreach (string failure in run.Failures)
            {
                o.WriteLine("  FAILED " + failure);
            }

            o.WriteLine(run.ResultLine);
            return run.Recovered == run.CrashPoints ? 0 : ExitCodes.Failed;
        });
        return command;
    }
}
