// The shape of System.IO.FileSystem 1.1.93 (source: System.IO.FileSystem v1.1.93, 434b26c6db29), for File, Directory, Path,
// FileStream and their enums: static classes, return types, overrides, parameter names and enum values the listing's
// doc-IDs do not carry. DirectoryInfo, FileInfo, DriveInfo and the SD-card types keep the builder's default shape. Only
// declarations; ListingReferenceBuilder checks each member against System.IO.FileSystem.txt.
using System;

namespace System.IO
{
    public static class Directory
    {
        public static DirectoryInfo CreateDirectory(string path);
        public static void Delete(string path);
        public static void Delete(string path, bool recursive);
        public static bool Exists(string path);
        public static string GetCurrentDirectory();
        public static string[] GetFiles(string path);
        public static string[] GetDirectories(string path);
        public static void Move(string sourceDirName, string destDirName);
        public static void SetCurrentDirectory(string path);
    }

    public static class File
    {
        public static StreamWriter AppendText(string path);
        public static void AppendAllText(string path, string contents);
        public static void Copy(string sourceFileName, string destFileName);
        public static void Copy(string sourceFileName, string destFileName, bool overwrite);
        public static FileStream Create(string path);
        public static FileStream Create(string path, int bufferSize);
        public static void Delete(string path);
        public static bool Exists(string path);
        public static FileAttributes GetAttributes(string path);
        public static void Move(string sourceFileName, string destFileName);
        public static FileStream Open(string path, FileMode mode);
        public static FileStream Open(string path, FileMode mode, FileAccess access);
        public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share);
        public static FileStream OpenRead(string path);
        public static StreamReader OpenText(string path);
        public static FileStream OpenWrite(string path);
        public static byte[] ReadAllBytes(string path);
        public static string ReadAllText(string path);
        public static void SetAttributes(string path, FileAttributes fileAttributes);
        public static void WriteAllBytes(string path, byte[] bytes);
        public static void WriteAllText(string path, string contents);
    }

    [Flags]
    public enum FileAccess
    {
        Read = 1,
        Write = 2,
        ReadWrite = 3,
    }

    [Flags]
    public enum FileAttributes
    {
        ReadOnly = 0x1,
        Hidden = 0x2,
        System = 0x4,
        Directory = 0x10,
        Archive = 0x20,
        Normal = 0x80,
    }

    public enum FileMode
    {
        CreateNew = 1,
        Create = 2,
        Open = 3,
        OpenOrCreate = 4,
        Truncate = 5,
        Append = 6,
    }

    [Flags]
    public enum FileShare
    {
        None = 0,
        Read = 1,
        Write = 2,
        ReadWrite = 3,
    }

    public class FileStream : Stream
    {
        public FileStream(string path, FileMode mode);
        public FileStream(string path, FileMode mode, FileAccess access);
        public FileStream(string path, FileMode mode, FileAccess access, FileShare share);
        public FileStream(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize);
        ~FileStream();
        public override bool CanRead { get; }
        public override bool CanSeek { get; }
        public override bool CanWrite { get; }
        public override long Length { get; }
        public override long Position { get; set; }
        public string Name { get; }
        public override void Close();
        protected override void Dispose(bool disposing);
        public override void Flush();
        public override int Read(byte[] buffer, int offset, int count);
        public override int Read(SpanByte buffer);
        public override int ReadByte();
        public override long Seek(long offset, SeekOrigin origin);
        public override void SetLength(long value);
        public override void Write(byte[] buffer, int offset, int count);
        public override void WriteByte(byte value);
    }

    public static class Path
    {
        public static readonly char DirectorySeparatorChar;
        public static readonly char AltDirectorySeparatorChar;
        public static readonly char VolumeSeparatorChar;
        public static readonly char PathSeparator;
        public static string ChangeExtension(string path, string extension);
        public static string Combine(string path1, string path2);
        public static string GetDirectoryName(string path);
        public static string GetExtension(string path);
        public static string GetFileName(string path);
        public static string GetFileNameWithoutExtension(string path);
        public static string GetFullPath(string path);
        public static char[] GetInvalidFileNameChars();
        public static char[] GetInvalidPathChars();
        public static string GetPathRoot(string path);
        public static bool HasExtension(string path);
        public static bool IsPathRooted(string path);
    }
}
