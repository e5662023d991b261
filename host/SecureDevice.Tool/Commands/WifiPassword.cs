using System;
using System.Text;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary>The Wi-Fi password for provisioning: from $SECUREDEVICE_WIFI_PASSWORD, or typed at a prompt without echo.</summary>
internal static class WifiPassword
{
    public const string Variable = "SECUREDEVICE_WIFI_PASSWORD";

    public static string Read(ToolConsole console)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected)
        {
            throw new ToolException("set " + Variable + " (no terminal to prompt on)");
        }

        console.Error.Write("Wi-Fi password: ");
        var password = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        console.Error.WriteLine();
        return password.ToString();
    }
}
