using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Marks a class whose public methods hold tests. The class is never instantiated (nanoCLR invokes with a null instance).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
    public sealed class TestClassAttribute : Attribute
    {
    }

    /// <summary>Marks a public test method with no parameters (or with <see cref="DataRowAttribute"/> rows).</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class TestMethodAttribute : Attribute
    {
    }

    /// <summary>Marks a method run once per class, before all of the class's tests (not before each test).</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class SetupAttribute : Attribute
    {
    }

    /// <summary>Marks a method run once per class, after all of the class's tests.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public sealed class CleanupAttribute : Attribute
    {
    }

    /// <summary>One set of arguments for a test method; every row is its own test case.</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class DataRowAttribute : Attribute
    {
        /// <summary>Creates a row. At least one argument is required, as on the device.</summary>
        public DataRowAttribute(params object[] methodParameters)
        {
            if (methodParameters == null || methodParameters.Length == 0)
            {
                throw new ArgumentException("DataRow needs at least one parameter", nameof(methodParameters));
            }

            MethodParameters = methodParameters;
        }

        /// <summary>The arguments passed to the test method.</summary>
        public object[] MethodParameters { get; }
    }

    /// <summary>Thrown by <see cref="Assert.SkipTest"/>.</summary>
    public class SkipTestException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public SkipTestException(string message = "", Exception innerException = null)
            : base(message, innerException)
        {
        }
    }

    /// <summary>Console output that shows in the test log, as on the device.</summary>
    public static class OutputHelper
    {
        /// <summary>Writes text without a newline.</summary>
        public static void Write(string message) => Console.Write(message);

        /// <summary>Writes a line.</summary>
        public static void WriteLine(string message) => Console.WriteLine(message);
    }

    /// <summary>Array helpers of the device framework.</summary>
    public static class TestExtensions
    {
        /// <summary>True when both arrays have the same length and pairwise equal elements (object.Equals).</summary>
        public static bool SequenceEqual(this Array a, Array b)
        {
            if (ReferenceEquals(a, b))
            {
                return true;
            }

            if (a == null || b == null || a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (!Equals(a.GetValue(i), b.GetValue(i)))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
