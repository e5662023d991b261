using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SecureDevice.Fleet.Text;
using Spectre.Console;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// What the demo prints. On a terminal: colours, a spinner while waiting, tables. Otherwise (CI, a pipe, a file): the
/// same content as plain lines and ASCII tables, with no escape codes. Text that came over MQTT (device events,
/// report values) is escaped like everything else the tool prints.
/// </summary>
public sealed class DemoView
{
    private readonly IAnsiConsole _console;
    private readonly TextWriter _output;
    private readonly bool _interactive;

    public DemoView(TextWriter output, bool interactive)
    {
        _interactive = interactive;
        _output = output;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        if (!interactive)
        {
            _console.Profile.Width = 150;
        }
    }

    public void Step(int number, string title)
    {
        _console.WriteLine();
        if (_interactive)
        {
            _console.Write(new Rule("[bold]" + number + ". " + Markup.Escape(Printable.Escape(title)) + "[/]").LeftJustified());
        }
        else
        {
            _console.WriteLine("== " + number + ". " + Printable.Escape(title));
        }
    }

    public void Info(string text) => _console.WriteLine("   " + Printable.Escape(text));

    public void Check(DemoCheck check)
    {
        if (_interactive)
        {
            _console.MarkupLine("   " + (check.Passed ? "[green]PASS[/]" : "[red]FAIL[/]") + " " + Markup.Escape(Printable.Escape(check.Name)) + " [grey](" + Markup.Escape(Printable.Escape(check.Evidence)) + ")[/]");
        }
        else
        {
            _console.WriteLine("   " + (check.Passed ? "PASS " : "FAIL ") + Printable.Escape(check.Name) + " (" + Printable.Escape(check.Evidence) + ")");
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms for up to <paramref name="timeout"/>, with a spinner on a terminal.</summary>
    public bool Wait(string what, TimeSpan timeout, Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        bool Poll()
        {
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    return false;
                }

                Thread.Sleep(200);
            }

            return true;
        }

        if (!_interactive)
        {
            Info("waiting up to " + (int)timeout.TotalSeconds + " s: " + what);
            return Poll();
        }

        bool done = false;
        _console.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(what), _ => done = Poll());
        return done;
    }

    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table { Title = new TableTitle(title), Border = _interactive ? TableBorder.Rounded : TableBorder.Ascii };
        foreach (string column in columns)
        {
            table.AddColumn(new TableColumn(column));
        }

        foreach (IReadOnlyList<string> row in rows)
        {
            var cells = new string[row.Count];
            for (int i = 0; i < row.Count; i++)
            {
                cells[i] = Markup.Escape(Printable.Escape(row[i]));
            }

            table.AddRow(cells);
        }

        _console.Write(table);
    }

    /// <summary>
    /// One line as it is, never wrapped at the console's width: the verdict ("FAILED: STEP: CHECK (EVIDENCE)" or "all N
    /// checks held") is one line a script can read.
    /// </summary>
    public void Line(string text)
    {
        _output.WriteLine(Printable.Escape(text));
        _output.Flush();
    }
}
