using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using nanoFramework.TestFramework;

namespace NanoTestFramework.Runner;

/// <summary>Outcome of one nanoFramework test case on the host.</summary>
/// <param name="CaseId">"Namespace.Class.Method" or "Namespace.Class.Method#row".</param>
/// <param name="Passed">True when the case returned without an exception.</param>
/// <param name="Skipped">True when it threw SkipTestException.</param>
/// <param name="Message">Why it failed or was skipped.</param>
/// <param name="Error">The exception, if any.</param>
/// <param name="AllocatedBytes">Bytes the case allocated on its thread (garbage included).</param>
public sealed record NanoCaseResult(string CaseId, bool Passed, bool Skipped, string Message, Exception? Error, long AllocatedBytes);

/// <summary>Sees each case start and end on the thread that runs it (the live-memory probe).</summary>
public interface ICaseObserver
{
    /// <summary>Just before <paramref name="caseId"/> is invoked.</summary>
    void Starting(string caseId);

    /// <summary>Just after it returned or threw.</summary>
    void Finished(string caseId);
}

/// <summary>
/// Runs the test cases of the host-built NFUnitTest the way nanoFramework's UnitTestLauncher runs them on nanoCLR: each
/// [TestMethod] and each [DataRow] row is one case, invoked without constructing its class, and reported alone. A case runs
/// when it is asked for and only then, so a tool that attributes coverage or failures to cases (Stryker.NET, an IDE) sees
/// each case execute its own method: a failure in one method fails that case and no other. A class's [Setup] methods run
/// once, before the first of its cases that runs (a skip there skips the class), and are reported as their own cases, as
/// are its [Cleanup] methods. Where the host could behave differently from the device (instance state), the runner
/// refuses the class.
/// </summary>
public sealed class NanoTestRunner
{
    /// <summary>
    /// The host builds of the device test assemblies, in the order their cases are listed. On the device each is an
    /// assembly named NFUnitTest in a project of its own (nanoFramework's UnitTestLauncher loads exactly that name); on the
    /// host they load into one process, so each has a name of its own (see host/NFUnitTest.Update/NFUnitTest.Update.csproj and host/NFUnitTest.Foundation).
    /// </summary>
    public static readonly IReadOnlyList<string> DeviceAssemblyNames = new[] { "NFUnitTest", "NFUnitTest.Foundation", "NFUnitTest.Update" };

    private static readonly Lazy<IReadOnlyList<NanoTestRunner>> Devices =
        new(() => DeviceAssemblyNames.Select(name => new NanoTestRunner(Assembly.Load(name))).ToArray());

    private readonly ConcurrentDictionary<Type, Lazy<NanoCaseResult?>> _setupResults = new();

    /// <summary>A runner over the test classes of <paramref name="testAssembly"/>.</summary>
    public NanoTestRunner(Assembly testAssembly) => TestAssembly = testAssembly;

    /// <summary>One runner per device test assembly (<see cref="DeviceAssemblyNames"/>).</summary>
    public static IReadOnlyList<NanoTestRunner> DeviceRunners => Devices.Value;

    /// <summary>Every case id of every device test assembly, in <see cref="DeviceAssemblyNames"/> order.</summary>
    public static IEnumerable<string> DiscoverDeviceCaseIds() => DeviceRunners.SelectMany(r => r.DiscoverCaseIds());

    /// <summary>The runner of the device test assembly that holds <paramref name="caseId"/>'s class.</summary>
    /// <exception cref="InvalidOperationException">No assembly, or more than one, holds the class.</exception>
    public static NanoTestRunner ForCase(string caseId) => DeviceRunners.Single(r => r.ClassOf(caseId) != null);

    /// <summary>The assembly whose tests run.</summary>
    public Assembly TestAssembly { get; }

    /// <summary>All case ids in launcher order: "Namespace.Class.Method" or "Namespace.Class.Method#row".</summary>
    public IEnumerable<string> DiscoverCaseIds()
    {
        foreach (Type type in TestClasses())
        {
            foreach (var (id, _, _) in Cases(type))
            {
                yield return id;
            }
        }
    }

    /// <summary>Runs the case <paramref name="caseId"/> (after its class's [Setup], the first time) and returns its result.</summary>
    public NanoCaseResult Result(string caseId)
    {
        Type type = ClassOf(caseId) ?? throw new InvalidOperationException("no test class of " + TestAssembly.GetName().Name + " holds " + caseId);
        var (id, method, arguments) = Cases(type).Single(c => c.Id == caseId);
        string? unsupported = UnsupportedOnDevice(type);
        if (unsupported != null)
        {
            return new NanoCaseResult(id, false, false, unsupported, null, 0);
        }

        if (method.GetCustomAttribute<SetupAttribute>() == null)
        {
            NanoCaseResult? setup = _setupResults.GetOrAdd(type, t => new Lazy<NanoCaseResult?>(() => RunSetup(t, null))).Value;
            if (setup != null && setup.Skipped)
            {
                return new NanoCaseResult(id, false, true, "skipped because [Setup] skipped the class", null, 0);
            }
        }

        return Invoke(type, id, method, arguments, null);
    }

    // The test class whose case "Namespace.Class.Method[#row]" is, or null when this assembly has none.
    private Type? ClassOf(string caseId) => TestClasses().SingleOrDefault(t => caseId.StartsWith(t.FullName + ".", StringComparison.Ordinal)
        && !caseId.Substring(t.FullName!.Length + 1).Contains('.'));

    /// <summary>The test classes, in the order the launcher runs them.</summary>
    public IEnumerable<Type> TestClasses() =>
        TestAssembly.GetTypes().Where(t => t.IsClass && t.GetCustomAttribute<TestClassAttribute>() != null).OrderBy(t => t.FullName, StringComparer.Ordinal);

    // Launcher order: Setup methods, TestMethods without DataRow, DataRow cases, Cleanup methods.
    private static IEnumerable<(string Id, MethodInfo Method, object[]? Arguments)> Cases(Type type)
    {
        MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly);
        foreach (MethodInfo m in methods.Where(m => m.GetCustomAttribute<SetupAttribute>() != null))
        {
            yield return (type.FullName + "." + m.Name, m, null);
        }

        foreach (MethodInfo m in methods.Where(m => m.GetCustomAttribute<TestMethodAttribute>() != null && !m.GetCustomAttributes<DataRowAttribute>().Any()))
        {
            yield return (type.FullName + "." + m.Name, m, null);
        }

        foreach (MethodInfo m in methods)
        {
            int row = 0;
            foreach (DataRowAttribute data in m.GetCustomAttributes<DataRowAttribute>())
            {
                yield return (type.FullName + "." + m.Name + "#" + row++, m, data.MethodParameters);
            }
        }

        foreach (MethodInfo m in methods.Where(m => m.GetCustomAttribute<CleanupAttribute>() != null))
        {
            yield return (type.FullName + "." + m.Name, m, null);
        }
    }

    /// <summary>Runs every case of <paramref name="type"/> in launcher order, telling <paramref name="observer"/> about each.</summary>
    public static IReadOnlyDictionary<string, NanoCaseResult> RunClass(Type type, ICaseObserver? observer)
    {
        var results = new Dictionary<string, NanoCaseResult>(StringComparer.Ordinal);
        string? unsupported = UnsupportedOnDevice(type);
        bool skipRest = false;
        foreach (var (id, method, arguments) in Cases(type))
        {
            if (unsupported != null)
            {
                results[id] = new NanoCaseResult(id, false, false, unsupported, null, 0);
                continue;
            }

            if (skipRest)
            {
                results[id] = new NanoCaseResult(id, false, true, "skipped because [Setup] skipped the class", null, 0);
                continue;
            }

            NanoCaseResult result = Invoke(type, id, method, arguments, observer);
            results[id] = result;
            skipRest |= result.Skipped && method.GetCustomAttribute<SetupAttribute>() != null;
        }

        return results;
    }

    // The class's [Setup] methods in order, or null when it has none; the first skip or failure ends them.
    private static NanoCaseResult? RunSetup(Type type, ICaseObserver? observer)
    {
        NanoCaseResult? last = null;
        foreach (var (id, method, arguments) in Cases(type).Where(c => c.Method.GetCustomAttribute<SetupAttribute>() != null))
        {
            last = Invoke(type, id, method, arguments, observer);
            if (!last.Passed)
            {
                break;
            }
        }

        return last;
    }

    // Invokes one case as nanoCLR does (no instance), measuring what it allocates on this thread.
    private static NanoCaseResult Invoke(Type type, string id, MethodInfo method, object[]? arguments, ICaseObserver? observer)
    {
        // nanoCLR invokes test methods with a null instance; an uninitialised object is the closest host equivalent,
        // and UnsupportedOnDevice has already refused classes with instance state.
        object? target = method.IsStatic ? null : RuntimeHelpers.GetUninitializedObject(type);
        observer?.Starting(id);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            method.Invoke(target, arguments);
            return new NanoCaseResult(id, true, false, string.Empty, null, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (TargetInvocationException wrapper) when (wrapper.InnerException is SkipTestException skip)
        {
            return new NanoCaseResult(id, false, true, skip.Message, skip, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (TargetInvocationException wrapper)
        {
            Exception error = wrapper.InnerException ?? wrapper;
            return new NanoCaseResult(id, false, false, error.GetType().Name + ": " + error.Message, error, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (Exception error)
        {
            return new NanoCaseResult(id, false, false, "could not invoke: " + error.Message, error, 0);
        }
        finally
        {
            observer?.Finished(id);
        }
    }

    private static string? UnsupportedOnDevice(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        FieldInfo? field = type.GetFields(All).FirstOrDefault();
        if (field != null)
        {
            return type.Name + " has instance field '" + field.Name + "': nanoCLR never constructs test classes, keep state in static fields";
        }

        if (type.GetConstructors(All).Any(c => c.GetParameters().Length > 0 || c.GetMethodBody()?.GetILAsByteArray()?.Length > 8))
        {
            return type.Name + " has a constructor with code: nanoCLR never runs it";
        }

        return null;
    }
}
