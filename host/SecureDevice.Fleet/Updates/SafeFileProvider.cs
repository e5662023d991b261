using System;
using System.IO;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Primitives;
using SecureDevice.Core.Bundle;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Updates;

/// <summary>
/// The update server's view of its folder: ASP.NET Core's physical provider (no dot files, no paths outside the root),
/// with each file opened under the safe-file rule for contained files. A file exists for the server only if it is a
/// regular file (not a link, FIFO, socket or device) of at most <see cref="Manifest.MaxFileSize"/> bytes, and its
/// content is read from the descriptor that was checked (never reopened by path), so it cannot be swapped for a FIFO
/// between the check and the read.
/// </summary>
internal sealed class SafeFileProvider : IFileProvider
{
    private readonly PhysicalFileProvider _inner;

    public SafeFileProvider(string root) => _inner = new PhysicalFileProvider(root, ExclusionFilters.Sensitive);

    public IFileInfo GetFileInfo(string subpath)
    {
        IFileInfo inner = _inner.GetFileInfo(subpath);
        return inner.Exists && !inner.IsDirectory && inner.PhysicalPath != null ? new SafeFile(inner) : new NotFoundFileInfo(subpath);
    }

    // No listings: the server answers 404 for folders.
    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    private sealed class SafeFile : IFileInfo
    {
        private readonly IFileInfo _inner;
        private readonly string _path;

        public SafeFile(IFileInfo inner)
        {
            _inner = inner;
            _path = inner.PhysicalPath!;
            Exists = KindIsRegular(_path) && inner.Length <= Manifest.MaxFileSize;
        }

        public bool Exists { get; }

        public long Length => _inner.Length;

        // Null on purpose: with a physical path the response would send the file by path, skipping the checked descriptor.
        public string? PhysicalPath => null;

        public string Name => _inner.Name;

        public DateTimeOffset LastModified => _inner.LastModified;

        public bool IsDirectory => false;

        public Stream CreateReadStream() => new FileStream(SafeFileReader.Open(_path, "served file", FileOrigin.Contained), FileAccess.Read, 1);

        private static bool KindIsRegular(string path)
        {
            try
            {
                return SafeFileReader.KindOf(path) == FileKind.Regular;
            }
            catch (FleetException)
            {
                return false;
            }
        }
    }
}
