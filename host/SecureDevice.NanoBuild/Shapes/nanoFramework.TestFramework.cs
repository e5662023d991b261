// The shape of nanoFramework.TestFramework 3.0.78 (package 3.0.80) as its sources declare it: statics, return types,
// parameter names and the [CallerArgumentExpression] on each message parameter, which Roslyn honours even at C# 9, so
// that the reference assembly built from the listing adds to NFUnitTest's string table exactly what the real one does.
// Only declarations; ListingReferenceBuilder checks that every member here is in nanoFramework.TestFramework.txt.
using System;
using System.Collections;
using System.Runtime.CompilerServices;

namespace TestFrameworkShared
{
    public class AssertFailedException : Exception
    {
        public AssertFailedException();
        public AssertFailedException(string msg);
        public AssertFailedException(string msg, Exception ex);
    }
}

namespace nanoFramework.TestFramework
{
    public sealed class Assert
    {
        public static void AreEqual(bool expected, bool actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(byte expected, byte actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(char expected, char actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(System.DateTime expected, System.DateTime actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(double expected, double actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(float expected, float actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(int expected, int actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(long expected, long actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(object expected, object actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(sbyte expected, sbyte actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(short expected, short actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(string expected, string actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(uint expected, uint actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(ulong expected, ulong actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreEqual(ushort expected, ushort actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(bool notExpected, bool actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(byte notExpected, byte actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(char notExpected, char actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(System.DateTime notExpected, System.DateTime actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(double notExpected, double actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(float notExpected, float actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(int notExpected, int actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(long notExpected, long actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(object notExpected, object actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(sbyte notExpected, sbyte actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(short notExpected, short actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(string notExpected, string actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(uint notExpected, uint actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(ulong notExpected, ulong actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotEqual(ushort notExpected, ushort actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreSame(object expected, object actual, [CallerArgumentExpression("actual")] string message = "");
        public static void AreNotSame(object notExpected, object actual, [CallerArgumentExpression("actual")] string message = "");
        public static void Contains(string expected, string value, [CallerArgumentExpression("value")] string message = "");
        public static void DoesNotContains(string notExpected, string value, [CallerArgumentExpression("value")] string message = "");
        public static void EndsWith(string expected, string value, [CallerArgumentExpression("value")] string message = "");
        public static void StartsWith(string expected, string value, [CallerArgumentExpression("value")] string message = "");
        public static void IsFalse(bool condition, [CallerArgumentExpression("condition")] string message = "");
        public static void IsTrue(bool condition, [CallerArgumentExpression("condition")] string message = "");
        public static void IsInstanceOfType(object value, Type expected, [CallerArgumentExpression("value")] string message = "");
        public static void IsNotInstanceOfType(object value, Type notExpected, [CallerArgumentExpression("value")] string message = "");
        public static void IsNotNull(object value, [CallerArgumentExpression("value")] string message = "");
        public static void IsNull(object value, [CallerArgumentExpression("value")] string message = "");
        public static void SkipTest(string message = null);
        public static void ThrowsException(Type exception, Action action, [CallerArgumentExpression("action")] string message = "");

        // Obsolete aliases, without caller-argument messages.
        public static void Empty(ICollection collection, string message = "");
        public static void NotEmpty(ICollection collection, string message = "");
        public static void Equal(Array expected, Array actual, string message = "");
        public static void NotEqual(Array notExpected, Array actual, string message = "");
        public static void Equal(bool expected, bool actual, string message = "");
        public static void NotEqual(bool notExpected, bool actual, string message = "");
        public static void Equal(byte expected, byte actual, string message = "");
        public static void NotEqual(byte notExpected, byte actual, string message = "");
        public static void Equal(char expected, char actual, string message = "");
        public static void NotEqual(char notExpected, char actual, string message = "");
        public static void Equal(System.DateTime expected, System.DateTime actual, string message = "");
        public static void NotEqual(System.DateTime notExpected, System.DateTime actual, string message = "");
        public static void Equal(double expected, double actual, string message = "");
        public static void NotEqual(double notExpected, double actual, string message = "");
        public static void Equal(float expected, float actual, string message = "");
        public static void NotEqual(float notExpected, float actual, string message = "");
        public static void Equal(int expected, int actual, string message = "");
        public static void NotEqual(int notExpected, int actual, string message = "");
        public static void Equal(long expected, long actual, string message = "");
        public static void NotEqual(long notExpected, long actual, string message = "");
        public static void Equal(sbyte expected, sbyte actual, string message = "");
        public static void NotEqual(sbyte notExpected, sbyte actual, string message = "");
        public static void Equal(short expected, short actual, string message = "");
        public static void NotEqual(short notExpected, short actual, string message = "");
        public static void Equal(string expected, string actual, string message = "");
        public static void NotEqual(string notExpected, string actual, string message = "");
        public static void Equal(uint expected, uint actual, string message = "");
        public static void NotEqual(uint notExpected, uint actual, string message = "");
        public static void Equal(ulong expected, ulong actual, string message = "");
        public static void NotEqual(ulong notExpected, ulong actual, string message = "");
        public static void Equal(ushort expected, ushort actual, string message = "");
        public static void NotEqual(ushort notExpected, ushort actual, string message = "");
        public static void False(bool condition, string message = "");
        public static void True(bool condition, string message = "");
        public static void IsNotType(Type wrongType, object value, string message = "");
        public static void IsType(Type expectedType, object value, string message = "");
        public static void NotNull(object value, string message = "");
        public static void Null(object value, string message = "");
        public static void NotSame(object notExpected, object actual, string message = "");
        public static void Same(object expected, object actual, string message = "");
        public static void Throws(Type exceptionType, Action action, string message = "");
    }

    public sealed class CollectionAssert
    {
        public static void Empty(ICollection collection, string message = "");
        public static void NotEmpty(ICollection collection, string message = "");
        public static void AreEqual(ICollection expected, ICollection actual, string message = "");
        public static void AreNotEqual(ICollection notExpected, ICollection actual, string message = "");
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public class DataRowAttribute : Attribute
    {
        public DataRowAttribute(params object[] methodParameters);
        public object[] MethodParameters { get; }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
    public class TestClassAttribute : Attribute
    {
        public TestClassAttribute();
        public virtual TestMethodAttribute GetTestMethodAttribute(TestMethodAttribute testMethodAttribute);
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public class TestMethodAttribute : Attribute
    {
        public TestMethodAttribute();
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public class SetupAttribute : Attribute
    {
        public SetupAttribute();
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public class CleanupAttribute : Attribute
    {
        public CleanupAttribute();
    }

    public class SkipTestException : Exception
    {
        public SkipTestException(string message = null, Exception innerException = null);
    }

    public static class Helper
    {
        public static object[] RemoveTestMethodIfDataRowExists(object[] attribs);
    }

    public static class OutputHelper
    {
        public static void Write(string message);
        public static void WriteLine(string message);
    }

    public static class TestExtensions
    {
        public static bool SequenceEqual(this Array a, Array b);
    }
}
