using System;
using System.IO;
using SecureDevice.Fleet.Text;

namespace SecureDevice.Tool.Cli;

/// <summary>
/// Where a command writes and what time it is: the real console and clock, or test doubles. Commands print through
/// <see cref="Line"/> and <see cref="ErrorLine"/>, which escape every control character, bidi override and line
/// separator (<see cref="Printable"/>): text from a bundle, a file name or an argument can never move the cursor,
/// recolour the terminal or start a line of its own.
/// </summary>
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

    /// <summary>Standard output, raw: only for writers that escape themselves (the demo's table renderer).</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error, raw.</summary>
    public TextWriter Error { get; }

    public Func<DateTimeOffset> Clock { get; }

    /// <summary>Now as Unix seconds.</summary>
    public long NowUnixSeconds => Clock().ToUnixTimeSeconds();

    /// <summary>One line on standard output, escaped.</summary>
    public void Line(string text) => Out.WriteLine(Printable.Escape(text));

    /// <summary>One line on standard error, escaped.</summary>
    public void ErrorLine(string text) => Error.WriteLine(Printable.Escape(text));
}
