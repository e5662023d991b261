// These tests drive openssl, mosquitto and Unix file modes: they run on Linux (CI, developers' Debian machines).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
