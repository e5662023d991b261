namespace SecureDevice.Lab.Demo;

/// <summary>One promise the demo checked: its name, whether it held, and the evidence.</summary>
public sealed record DemoCheck(string Step, string Name, bool Passed, string Evidence);
