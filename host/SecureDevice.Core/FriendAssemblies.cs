// The host build compiles the core without DeviceFirmware/Core/Properties, so it repeats the friend assembly declared
// there: the device tests build journals field by field through UpdateJournal's internal setters.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NFUnitTest")]

// The update tests are NFUnitTest on the device too, but the host names that second assembly NFUnitTest.Update (two
// assemblies of one name cannot load into one test process).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NFUnitTest.Update")]
