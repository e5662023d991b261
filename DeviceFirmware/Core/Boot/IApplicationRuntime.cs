using SecureDevice.Core.Application;

namespace SecureDevice.Core.Boot
{
    /// <summary>
    /// What the loader needs from the platform to run an application: <c>Assembly.Load</c> and the entry point's thread on
    /// the ESP32, a simulated application on a virtual device, a scripted fake in the tests. <see cref="BootSequence"/> makes
    /// every decision; an implementation only translates, and catches every exception into a status (an exception that
    /// escaped would leave the loader's main loop, and on an ESP32 the board then waits for a debugger).
    /// </summary>
    public interface IApplicationRuntime
    {
        /// <summary>Managed memory free now, in bytes, measured after a collection; -1 when the platform cannot tell.</summary>
        long FreeBytes();

        /// <summary>
        /// Loads one verified assembly image (the whole array; <paramref name="fileName"/> is its name in the bundle, for
        /// diagnostics). Loading links it and runs its static constructors. After any answer but
        /// <see cref="ApplicationStart.Started"/>, assemblies loaded before it may remain in the process (nanoFramework
        /// cannot unload them), so the caller loads nothing else in this process.
        /// </summary>
        ApplicationStart Load(string fileName, byte[] image);

        /// <summary>
        /// Finds <paramref name="assembly"/>'s public static parameterless <paramref name="type"/>.<paramref name="method"/>
        /// among the loaded assemblies and starts it on a thread of its own. When it later throws, the thread only calls
        /// <see cref="RunningApplication.ReportFailure"/> on <paramref name="application"/>: the main loop acts on it, so no
        /// call crosses from the application's thread into the update engine.
        /// </summary>
        ApplicationStart Start(string assembly, string type, string method, RunningApplication application);
    }
}
