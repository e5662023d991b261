using System.IO;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Pki;

/// <summary>An exclusive lock on a PKI folder, so two provisioning or revocation runs never interleave inventory updates.</summary>
public static class PkiLock
{
    public static FileStream Acquire(PkiLayout pki)
    {
        try
        {
            return new FileStream(pki.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new ToolException("the PKI folder " + pki.Folder + " is in use by another securedevice command");
        }
    }
}
