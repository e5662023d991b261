using System.Runtime.InteropServices;

namespace SecureDevice.Fleet.Broker;

/// <summary>Reloads a mosquitto process by sending it SIGHUP (mosquitto re-reads the CRL, the CA file and the ACL).</summary>
public sealed class SignalBrokerReload : IBrokerReload
{
    private const int SigHup = 1;
    private readonly int _processId;

    public SignalBrokerReload(int processId) => _processId = processId;

    public void Reload()
    {
        if (_processId <= 1 || kill(_processId, SigHup) != 0)
        {
            throw new FleetException(FleetError.NotFound, "cannot signal broker process " + _processId + ": " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int kill(int pid, int signal);
}
