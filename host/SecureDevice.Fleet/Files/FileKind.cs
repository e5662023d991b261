namespace SecureDevice.Fleet.Files;

/// <summary>The type of a file system entry, as lstat/fstat report it.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Unknown,
}
