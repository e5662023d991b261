using SecureDevice.WebConsole.Accounts;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole;

/// <summary>What the console reads and acts through: the service's store and audited action executor, and its own accounts.</summary>
public sealed record ConsoleBackend(IFleetStore Fleet, IDeviceActions Actions, AccountStore Accounts);
