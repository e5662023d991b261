using System;
using System.IO;

namespace SecureDevice.Tool.Cli;

/// <summary>Where a command writes and what time it is: the real console and clock, or test doubles.</summary>
public sealed class ToolConsole
{
    public ToolConsole(TextWriter output, TextWriter error, Func<DateTimeOffset> clock)
    {
        Out = output;
        Error = error;
        Clock = clock;
    }

    /// <summary>The process console and the system clock.</summary>
    public static ToolConsole System { get; } = new(Console.Out, Console.Error, () => DateTimeOffset.UtcNow);

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public Func<DateTimeOffset> Clock { get; }

    /// <summary>Now as Unix seconds.</summary>
    public long NowUnixSeconds => Clock().ToUnixTimeSeconds();
}
