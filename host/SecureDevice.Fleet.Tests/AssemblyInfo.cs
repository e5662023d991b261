// These tests drive openssl, python3, aiosmtpd and Unix file modes: they run on Linux (CI, developers' Debian machines).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
