using System;
using System.Diagnostics;
using System.IO;

namespace SecureDevice.TestSupport;

/// <summary>
/// The refusal counter plugin (host/broker/refusal-counter) built for the tests: <c>make</c> runs once per test process,
/// into host/broker/refusal-counter/build (git-ignored). Safe with test projects running side by side: make rebuilds only
/// when a source is newer, and each build writes a file of its own and renames it over the target (an atomic rename), so
/// a broker loading the plugin never sees a half-written file. Needs gcc, make and Debian's mosquitto-dev and
/// libmosquitto-dev (scripts/install-deps.sh installs them).
/// </summary>
public static class RefusalCounterBuild
{
    private static readonly Lazy<string> Built = new(() => Build("all", "securedevice_refusal_counter.so"));
    private static readonly Lazy<string> BuiltProbe = new(() => Build("probe", "refusal_core_probe"));

    /// <summary>The built plugin's path (built on first use).</summary>
    /// <exception cref="InvalidOperationException">The build failed (its output is in the message).</exception>
    public static string Path => Built.Value;

    /// <summary>The core's test driver (refusal_core_probe.c), built on first use.</summary>
    public static string Probe => BuiltProbe.Value;

    /// <summary>The plugin's sources.</summary>
    public static string SourceFolder => RepositoryPaths.Combine("host", "broker", "refusal-counter");

    private static string Build(string target, string file)
    {
        string output = System.IO.Path.Combine(SourceFolder, "build");
        var start = new ProcessStartInfo("make")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(SourceFolder);
        start.ArgumentList.Add("OUT=" + output);
        start.ArgumentList.Add(target);
        using Process make = Process.Start(start) ?? throw new InvalidOperationException("cannot start make");
        string stdout = make.StandardOutput.ReadToEnd();
        string stderr = make.StandardError.ReadToEnd();
        make.WaitForExit();
        string plugin = System.IO.Path.Combine(output, file);
        if (make.ExitCode != 0 || !File.Exists(plugin))
        {
            throw new InvalidOperationException("building the refusal counter failed (make exit " + make.ExitCode + "; scripts/install-deps.sh installs gcc, make, mosquitto-dev, libmosquitto-dev):\n" + stdout + stderr);
        }

        return plugin;
    }
}
