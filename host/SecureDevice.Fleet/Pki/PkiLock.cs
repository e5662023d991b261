using System;
using System.IO;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Pki;

/// <summary>
/// An exclusive lock on a PKI folder (flock on its .lock file), so two provisioning or revocation runs never interleave
/// inventory and CRL updates. The lock file stays in place: deleting it on release would let a waiting process lock an
/// unlinked file while a third locks a new one.
/// </summary>
public static class PkiLock
{
    private const int SharingViolation = unchecked((int)0x80070020);

    /// <summary>Takes the lock, or fails at once (never waits).</summary>
    /// <exception cref="FleetException">Not a PKI folder (<see cref="FleetError.NotFound"/>), locked (<see cref="FleetError.Busy"/>) or not writable.</exception>
    public static IDisposable Acquire(PkiLayout pki)
    {
        pki.RequireExisting();

        // Opening a FIFO planted as .lock would wait for a writer: only a regular file (or none yet) is opened.
        FileKind kind = SafeFileReader.KindOf(pki.LockFile);
        if (kind != FileKind.Missing && kind != FileKind.Regular)
        {
            throw new FleetException(FleetError.UnsafeFile, "the lock file " + pki.LockFile + " is not a regular file; remove it");
        }

        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = AtomicFile.PrivateMode;
            }

            return new FileStream(pki.LockFile, options);
        }
        catch (IOException error) when (error.HResult == SharingViolation)
        {
            throw new FleetException(FleetError.Busy, "the PKI folder " + pki.Folder + " is in use by another securedevice command", error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot lock the PKI folder " + pki.Folder + ": " + error.Message, error);
        }
    }
}
