namespace SecureDevice.Fleet;

/// <summary>What kind of problem a <see cref="FleetException"/> reports; callers map it to an exit code or an HTTP status.</summary>
public enum FleetError
{
    /// <summary>An argument or setting is outside what the fleet or the device accepts (a name, a range, a host, a date).</summary>
    InvalidArgument,

    /// <summary>A named file, folder, device or key does not exist.</summary>
    NotFound,

    /// <summary>The output exists already; the fleet library never overwrites keys, certificates, bundles or configs.</summary>
    AlreadyExists,

    /// <summary>A file exists but may not be read: not a regular file, a link where none is allowed, larger than its limit.</summary>
    UnsafeFile,

    /// <summary>The operating system refused a read or write (permissions, I/O error, full disk).</summary>
    Io,

    /// <summary>A state file of the fleet (inventory, CA files, CRL) is malformed or inconsistent.</summary>
    CorruptState,

    /// <summary>Another process holds the PKI folder's lock.</summary>
    Busy,

    /// <summary>A document (key, certificate, delegation, bundle) is malformed or does not fit what it is used for.</summary>
    InvalidDocument,

    /// <summary>A network resource (an address to listen on, a port) cannot be used.</summary>
    Network,
}
