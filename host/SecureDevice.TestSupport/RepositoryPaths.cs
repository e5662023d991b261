using System;
using System.IO;

namespace SecureDevice.TestSupport;

/// <summary>Locations in the repository checkout, found from the test binaries.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding SecureDevice.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>An absolute path below the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine(Root, Path.Combine(parts));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SecureDevice.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("SecureDevice.sln not found above " + AppContext.BaseDirectory);
    }
}
