using System;
using System.IO;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Files;

/// <summary>
/// File writing that never overwrites and never leaves a half-written file: content goes to a temporary file in the
/// destination's folder (created exclusively, with the final permissions from the start), is flushed to disk, and is then
/// renamed into place only if the destination still does not exist.
/// </summary>
public static class SafeFile
{
    /// <summary>Permissions for private keys: owner read/write only (0600).</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Permissions for public material (0644).</summary>
    public const UnixFileMode PublicMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Fails with a clear message when <paramref name="path"/> exists.</summary>
    public static void RefuseExisting(string path)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            throw new ToolException("refusing to overwrite existing " + path);
        }
    }

    /// <summary>Writes <paramref name="content"/> to the new file <paramref name="path"/> with <paramref name="mode"/>.</summary>
    /// <exception cref="ToolException">The file exists or the folder is not writable.</exception>
    public static void WriteNew(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        RefuseExisting(full);
        if (!Directory.Exists(directory))
        {
            throw new ToolException("folder does not exist: " + directory);
        }

        string temporary = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: false);
        }
        catch (IOException error) when (File.Exists(full))
        {
            throw new ToolException("refusing to overwrite existing " + full + " (" + error.Message + ")");
        }
        catch (UnauthorizedAccessException error)
        {
            throw new ToolException("cannot write " + full + ": " + error.Message);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Reads a whole file, refusing files larger than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="ToolException">Missing, unreadable or too large.</exception>
    public static byte[] ReadAll(string path, long maxBytes, string what)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ToolException(what + " not found: " + path);
            }

            if (info.Length > maxBytes)
            {
                throw new ToolException(what + " is larger than " + maxBytes + " bytes: " + path);
            }

            return File.ReadAllBytes(path);
        }
        catch (IOException error)
        {
            throw new ToolException("cannot read " + what + " " + path + ": " + error.Message);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new ToolException("cannot read " + what + " " + path + ": " + error.Message);
        }
    }
}
