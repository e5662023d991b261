using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace SecureDevice.TestSupport;

/// <summary>The outcome of running an external program.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error, byte[] OutputBytes)
{
    /// <summary>Throws with both streams when the exit code is not 0.</summary>
    public ProcessResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(what + " exited " + ExitCode + ": " + Error + Output);
        }

        return this;
    }
}

/// <summary>Runs programs such as openssl and mosquitto_pub with a timeout, capturing stdout as bytes and text.</summary>
public static class ExternalProcess
{
    /// <summary>Runs <paramref name="program"/> and waits up to <paramref name="timeout"/>.</summary>
    public static ProcessResult Run(string program, string[] arguments, byte[]? input = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + program);
        var output = new MemoryStream();
        Task copyOut = process.StandardOutput.BaseStream.CopyToAsync(output);
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (input != null)
        {
            process.StandardInput.BaseStream.Write(input);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit((int)(timeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(program + " " + string.Join(" ", arguments) + " did not finish");
        }

        copyOut.Wait();
        byte[] bytes = output.ToArray();
        return new ProcessResult(process.ExitCode, System.Text.Encoding.UTF8.GetString(bytes), error.Result, bytes);
    }

    /// <summary>Runs openssl.</summary>
    public static ProcessResult OpenSsl(params string[] arguments) => Run("openssl", arguments);
}
