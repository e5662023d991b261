namespace SecureDevice.Fleet.Detection;

/// <summary>One rule's judgement of one observation; the evidence is built only when something is wrong.</summary>
internal readonly record struct Verdict(bool Anomalous, FindingSeverity Severity, double Value, double Baseline, string? Evidence)
{
    /// <summary>Nothing wrong; the values are what a clearing finding reports.</summary>
    public static Verdict Normal(double value, double baseline) => new(false, FindingSeverity.Info, value, baseline, null);
}
