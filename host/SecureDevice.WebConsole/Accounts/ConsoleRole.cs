namespace SecureDevice.WebConsole.Accounts;

/// <summary>What a console user may do: viewers read, operators also act on devices, admins also manage accounts.</summary>
public enum ConsoleRole
{
    Viewer = 1,
    Operator = 2,
    Admin = 3,
}

public static class ConsoleRoles
{
    public static string Name(ConsoleRole role) => role switch
    {
        ConsoleRole.Viewer => "viewer",
        ConsoleRole.Operator => "operator",
        ConsoleRole.Admin => "admin",
        _ => "none", // an unknown stored role grants nothing (fail closed)
    };

    /// <summary>Parses "viewer", "operator" or "admin" exactly.</summary>
    public static bool TryParse(string? text, out ConsoleRole role)
    {
        role = text switch
        {
            "viewer" => ConsoleRole.Viewer,
            "operator" => ConsoleRole.Operator,
            "admin" => ConsoleRole.Admin,
            _ => 0,
        };
        return role != 0;
    }

    /// <summary>Operators and admins must use a second factor.</summary>
    public static bool RequiresTotp(ConsoleRole role) => role >= ConsoleRole.Operator;
}
