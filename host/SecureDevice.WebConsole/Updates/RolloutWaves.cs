using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Updates;

/// <summary>The state of a rollout (docs/console.md, "Rollouts and waves": the table is this enum's transitions).</summary>
public enum WaveState
{
    /// <summary>The current wave is recorded but not (all) published yet: the worker publishes it (retrying while the broker is away).</summary>
    Publishing,

    /// <summary>The current wave (the last one too) is published; the worker judges its devices' update outcomes until its deadline.</summary>
    Judging,

    /// <summary>
    /// A wave before the last failed over the threshold (silent devices past the deadline count as failed), the bundle
    /// stopped verifying, or the broker stayed away past the retry limit: nothing more is published until an operator
    /// resumes or cancels.
    /// </summary>
    Halted,

    /// <summary>Final: every wave published and the last one judged within the threshold.</summary>
    Completed,

    /// <summary>Stopped by an operator: the rest is never published.</summary>
    Cancelled,

    /// <summary>Final: the last wave failed over the threshold (every device has the offer; the owner is alerted).</summary>
    Failed,
}

/// <summary>One wave of a plan as written: a cumulative share of the target's devices (<c>10%</c>) or a cumulative count (<c>50</c>).</summary>
public readonly record struct WaveStep(int Value, bool Percent)
{
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture) + (Percent ? "%" : string.Empty);
}

/// <summary>
/// How a rollout is split into waves, each judged before the next is published (docs/console.md, "Rollouts and waves").
/// Built only by <see cref="TryCreate"/>, the one check the form and the API share.
/// </summary>
/// <param name="Steps">Cumulative targets, the last always 100 %.</param>
/// <param name="HaltPercent">A wave halts the rollout when more than this share of its devices failed (rejected, reverted, or silent past the deadline), 0..100.</param>
/// <param name="Timeout">How long the worker waits for a published wave's devices to answer; then the silent ones count as failed.</param>
public sealed record WavePlan(IReadOnlyList<WaveStep> Steps, int HaltPercent, TimeSpan Timeout)
{
    /// <summary>The default threshold: more than a fifth of a wave failing halts the rollout.</summary>
    public const int DefaultHaltPercent = 20;

    /// <summary>The default deadline per wave: 120 min (a device reports every 300 s; download, install and a confirming reboot fit many times over).</summary>
    public const int DefaultTimeoutMinutes = 120;

    public const int MinTimeoutMinutes = 1;

    /// <summary>At most 7 days per wave.</summary>
    public const int MaxTimeoutMinutes = 7 * 24 * 60;

    public const int MaxWaves = 10;

    /// <summary>Longest plan text accepted.</summary>
    public const int MaxTextLength = 64;

    /// <summary>One wave, everything at once (a device target, or a group offered without waves).</summary>
    public static readonly WavePlan AllAtOnce = new(new[] { new WaveStep(100, true) }, DefaultHaltPercent, TimeSpan.FromMinutes(DefaultTimeoutMinutes));

    /// <summary>The plan as stored and shown: <c>1%,10%,100%</c>.</summary>
    public string Text => string.Join(",", Steps.Select(s => s.ToString()));

    /// <summary>
    /// The plan of an offer form or API body: <paramref name="waves"/> (<c>1%,10%,50%,100%</c> or counts <c>5,50,100%</c>:
    /// cumulative, strictly increasing within percentages and within counts, percentages 1..100, counts
    /// 1..<see cref="UpdateOffers.MaxDevices"/>, at most <see cref="MaxWaves"/>, the last <c>100%</c>, no spaces) or the
    /// older <paramref name="firstWave"/> N (= <c>N,100%</c>), not both; neither: one wave. A device target takes no
    /// staging at all. False with the fields at fault in <paramref name="problems"/>.
    /// </summary>
    public static bool TryCreate(string? waves, int? firstWave, int? haltPercent, int? timeoutMinutes, bool device, List<string> problems, out WavePlan plan)
    {
        plan = AllAtOnce;
        int before = problems.Count;
        if (device && (waves != null || firstWave != null || haltPercent != null || timeoutMinutes != null))
        {
            problems.Add("waves apply to a group, not to one device");
        }

        if (waves != null && firstWave != null)
        {
            problems.Add("waves or firstWave, not both");
        }

        if (haltPercent is < 0 or > 100)
        {
            problems.Add("haltPercent");
        }

        if (timeoutMinutes is < MinTimeoutMinutes or > MaxTimeoutMinutes)
        {
            problems.Add("waveTimeoutMinutes");
        }

        if (firstWave is < 1 or > UpdateOffers.MaxDevices)
        {
            problems.Add("firstWave");
        }

        List<WaveStep>? steps = null;
        if (waves != null && (steps = Parse(waves)) == null)
        {
            problems.Add("waves");
        }

        if (problems.Count > before)
        {
            return false;
        }

        steps ??= firstWave is int n ? new List<WaveStep> { new(n, false), new(100, true) } : new List<WaveStep> { new(100, true) };
        plan = new WavePlan(steps, haltPercent ?? DefaultHaltPercent, TimeSpan.FromMinutes(timeoutMinutes ?? DefaultTimeoutMinutes));
        return true;
    }

    /// <summary>The waves' sizes for <paramref name="devices"/> devices (percentages rounded up, so 1 % of 50 is 1 device); a wave left empty is dropped, so a small group has fewer waves.</summary>
    public IReadOnlyList<int> Sizes(int devices)
    {
        var sizes = new List<int>();
        int reached = 0;
        foreach (WaveStep step in Steps)
        {
            int cumulative = step.Percent ? (int)(((long)step.Value * devices + 99) / 100) : Math.Min(step.Value, devices);
            if (cumulative > reached)
            {
                sizes.Add(cumulative - reached);
                reached = cumulative;
            }
        }

        return sizes;
    }

    private static List<WaveStep>? Parse(string text)
    {
        if (text.Length == 0 || text.Length > MaxTextLength)
        {
            return null;
        }

        string[] parts = text.Split(',');
        if (parts.Length > MaxWaves)
        {
            return null;
        }

        var steps = new List<WaveStep>();
        int lastPercent = 0, lastCount = 0;
        foreach (string part in parts)
        {
            bool percent = part.EndsWith('%');
            string digits = percent ? part[..^1] : part;
            if (digits.Length is 0 or > 5 || !digits.All(char.IsAsciiDigit) || digits[0] == '0')
            {
                return null;
            }

            int value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (percent ? value > 100 || value <= lastPercent : value > UpdateOffers.MaxDevices || value <= lastCount)
            {
                return null;
            }

            if (percent)
            {
                lastPercent = value;
            }
            else
            {
                lastCount = value;
            }

            steps.Add(new WaveStep(value, percent));
        }

        return steps[^1] == new WaveStep(100, true) ? steps : null;
    }
}

/// <summary>What the worker does with a judging wave.</summary>
public enum WaveDecision
{
    /// <summary>Devices of the wave have not all answered, the deadline has not passed, and the failures are within the threshold.</summary>
    Wait,

    /// <summary>A wave before the last: every device answered (or the deadline passed) and the failures are within the threshold: publish the next wave.</summary>
    Advance,

    /// <summary>A wave before the last: more than the threshold failed (decided as soon as it is certain): publish nothing more.</summary>
    Halt,

    /// <summary>The last wave: every device answered (or the deadline passed) within the threshold: the rollout completed.</summary>
    Complete,

    /// <summary>The last wave: more than the threshold failed (decided as soon as it is certain): the rollout failed.</summary>
    Fail,
}

/// <summary>The pure rules of rollouts: the transition table and the wave judgement.</summary>
public static class RolloutWaves
{
    /// <summary>The legal transitions, in the order docs/console.md lists them; anything else is refused.</summary>
    public static readonly IReadOnlyList<(WaveState From, WaveState To, string Why)> Transitions = new[]
    {
        (WaveState.Publishing, WaveState.Judging, "worker: every device of the wave (the last one too) is published or refused for good; the deadline starts"),
        (WaveState.Publishing, WaveState.Halted, "worker: the bundle no longer verifies, or its manifest changed, before a wave; or the broker stayed away past the retry limit"),
        (WaveState.Publishing, WaveState.Cancelled, "operator cancels (the pass stops within 100 devices)"),
        (WaveState.Judging, WaveState.Publishing, "worker: advance (a wave before the last within the threshold): the next wave"),
        (WaveState.Judging, WaveState.Completed, "worker: complete (the last wave within the threshold)"),
        (WaveState.Judging, WaveState.Halted, "worker: halt (a wave before the last over the threshold; after the deadline, silent devices count as failed)"),
        (WaveState.Judging, WaveState.Failed, "worker: fail (the last wave over the threshold)"),
        (WaveState.Judging, WaveState.Cancelled, "operator cancels"),
        (WaveState.Halted, WaveState.Publishing, "operator resumes: the next wave (or the rest of an unpublished one) is published and judged like any"),
        (WaveState.Halted, WaveState.Cancelled, "operator cancels"),
    };

    public static bool Allowed(WaveState from, WaveState to) => Transitions.Any(t => t.From == from && t.To == to);

    /// <summary>
    /// Judges a wave of <paramref name="size"/> devices: a device succeeded when its newest update event says
    /// <c>confirmed</c>, failed when it says <c>rejected:…</c> or <c>reverted:…</c> or the broker refused its offer for
    /// good. Once <paramref name="deadlinePassed"/>, every device without an answer counts as failed too. Over the
    /// threshold as soon as the failures are more than <paramref name="haltPercent"/> % of the wave (integer arithmetic,
    /// no rounding): halt, or fail for the <paramref name="lastWave"/>; within it when all answered or the deadline
    /// passed: advance, or complete for the last wave; else wait.
    /// </summary>
    public static WaveDecision Judge(int size, int succeeded, int failed, int haltPercent, bool deadlinePassed, bool lastWave)
    {
        long counted = deadlinePassed ? size - succeeded : failed;
        if (counted * 100 > (long)haltPercent * size)
        {
            return lastWave ? WaveDecision.Fail : WaveDecision.Halt;
        }

        return !(deadlinePassed || succeeded + failed >= size) ? WaveDecision.Wait : lastWave ? WaveDecision.Complete : WaveDecision.Advance;
    }

    /// <summary>Success (true), failure (false) or no answer yet (null) from an update event's outcome.</summary>
    public static bool? Outcome(string? outcome) =>
        outcome == "confirmed" ? true
        : outcome != null && (outcome.StartsWith("rejected:", StringComparison.Ordinal) || outcome.StartsWith("reverted:", StringComparison.Ordinal)) ? false
        : null;

    public static string Name(WaveState state) => state.ToString().ToLowerInvariant();

    /// <summary>The stored name back to the state; an unknown name is false (the reader then fails closed: halted).</summary>
    public static bool TryParse(string text, out WaveState state)
    {
        foreach (WaveState candidate in Enum.GetValues<WaveState>())
        {
            if (Name(candidate) == text)
            {
                state = candidate;
                return true;
            }
        }

        state = WaveState.Halted;
        return false;
    }
}

