using System.CommandLine;
using SecureDevice.Fleet.Pki;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice revoke</c>: option parsing over <see cref="Revocation.Revoke"/>.</summary>
public static class RevokeCommand
{
    public static Command Create(ToolConsole console)
    {
        var id = new Argument<string>("device-id") { Description = "Device to revoke." };
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var command = new Command("revoke", "Mark a device revoked and re-issue the CRL (then reload the broker with SIGHUP).") { id, pki };
        command.SetAction(result =>
        {
            RevocationResult done = Revocation.Revoke(new PkiLayout(result.GetValue(pki)!), result.GetValue(id)!, console.Clock());
            console.Line(done.Outcome == RevocationOutcome.AlreadyRevoked
                ? done.Device.Id + " was already revoked; " + done.CrlPath + " lists it (CRL number " + done.CrlNumber + ")"
                : "revoked " + done.Device.Id + " (serial " + done.Device.Serial + "); CRL number " + done.CrlNumber + " written to " + done.CrlPath
                    + "; reload the broker: kill -HUP <mosquitto pid>");
            return 0;
        });
        return command;
    }
}
