// The host build compiles the core without DeviceFirmware/Core/Properties, so it repeats the friend assembly declared
// there: the device tests build journals field by field through UpdateJournal's internal setters.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NFUnitTest")]
