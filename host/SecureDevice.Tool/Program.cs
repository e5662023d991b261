using SecureDevice.Tool.Cli;

return ToolCli.Run(args, ToolConsole.System);
