using System;
using System.IO;
using SecureDevice.Core.Update;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>Test-side use of an <see cref="IBundleSource"/> the way the update engine uses it: 4 KB reads into its own buffer.</summary>
public static class BundleDownload
{
    /// <summary>Reads the open body to its end; throws on any failure status.</summary>
    public static byte[] ReadToEnd(IBundleSource source)
    {
        var body = new MemoryStream();
        byte[] buffer = new byte[4096];
        while (true)
        {
            DownloadStatus status = source.Read(buffer, 0, buffer.Length, out int read);
            if (status != DownloadStatus.Ok)
            {
                throw new InvalidOperationException("read failed: " + status);
            }

            if (read == 0)
            {
                return body.ToArray();
            }

            body.Write(buffer, 0, read);
        }
    }

    /// <summary>
    /// Downloads <paramref name="url"/> completely, resuming from the bytes already received after every failure, as the
    /// engine does (without its backoff); gives up after <paramref name="maxAttempts"/> Opens.
    /// </summary>
    public static byte[] WithResume(IBundleSource source, string url, int maxAttempts, out int attempts)
    {
        var file = new MemoryStream();
        byte[] buffer = new byte[4096];
        for (attempts = 1; attempts <= maxAttempts; attempts++)
        {
            DownloadStatus status = source.Open(url, file.Length, out _);
            if (status == DownloadStatus.RangeIgnored)
            {
                file.SetLength(0);
                continue;
            }

            if (status != DownloadStatus.Ok)
            {
                continue;
            }

            while (status == DownloadStatus.Ok)
            {
                status = source.Read(buffer, 0, buffer.Length, out int read);
                if (status == DownloadStatus.Ok && read == 0)
                {
                    source.Close();
                    return file.ToArray();
                }

                file.Write(buffer, 0, read);
            }
        }

        throw new InvalidOperationException("no complete download in " + maxAttempts + " attempts");
    }
}
