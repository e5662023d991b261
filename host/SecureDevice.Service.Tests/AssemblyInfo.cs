// These tests drive mosquitto, PostgreSQL's server binaries and Unix file modes: they run on Linux (CI, developers' Debian machines).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
