using System;
using System.Collections;
using System.Runtime.CompilerServices;
using TestFrameworkShared;

namespace nanoFramework.TestFramework
{
    /// <summary>
    /// Assertions with nanoFramework.TestFramework 3.0.80 semantics: every failure throws <see cref="AssertFailedException"/>;
    /// AreEqual on two arrays compares references (use <see cref="CollectionAssert.AreEqual"/> for contents);
    /// ThrowsException accepts only the exact exception type, not a derived one. Like the device's, the message parameters
    /// carry [CallerArgumentExpression]: Roslyn fills them with the source text of the checked argument even at C# 9, so a
    /// failure names the expression, and every assert adds that text to NFUnitTest's string table on the device.
    /// </summary>
    public sealed class Assert
    {
        private Assert()
        {
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(bool expected, bool actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(bool notExpected, bool actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(byte expected, byte actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(byte notExpected, byte actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(char expected, char actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(char notExpected, char actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(DateTime expected, DateTime actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(DateTime notExpected, DateTime actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(double expected, double actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(double notExpected, double actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(short expected, short actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(short notExpected, short actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(int expected, int actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(int notExpected, int actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(long expected, long actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(long notExpected, long actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(object expected, object actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(object notExpected, object actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(sbyte expected, sbyte actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(sbyte notExpected, sbyte actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(float expected, float actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(float notExpected, float actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (ordinal comparison).</summary>
        public static void AreEqual(string expected, string actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(string.CompareOrdinal(expected, actual) == 0))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(string notExpected, string actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (string.CompareOrdinal(notExpected, actual) == 0)
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(ushort expected, ushort actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(ushort notExpected, ushort actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(uint expected, uint actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(uint notExpected, uint actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (object.Equals; arrays compare by reference).</summary>
        public static void AreEqual(ulong expected, ulong actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!(Equals(expected, actual)))
            {
                Fail("Assert.AreEqual", "Expected:<" + Show(expected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
        public static void AreNotEqual(ulong notExpected, ulong actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (Equals(notExpected, actual))
            {
                Fail("Assert.AreNotEqual", "Not expected:<" + Show(notExpected) + ">. Actual:<" + Show(actual) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="condition"/> is true.</summary>
        public static void IsTrue(bool condition, [CallerArgumentExpression(nameof(condition))] string message = "")
        {
            if (!condition)
            {
                Fail("Assert.IsTrue", string.Empty, message);
            }
        }

        /// <summary>Fails unless <paramref name="condition"/> is false.</summary>
        public static void IsFalse(bool condition, [CallerArgumentExpression(nameof(condition))] string message = "")
        {
            if (condition)
            {
                Fail("Assert.IsFalse", string.Empty, message);
            }
        }

        /// <summary>Fails unless <paramref name="value"/> is null.</summary>
        public static void IsNull(object value, [CallerArgumentExpression(nameof(value))] string message = "")
        {
            if (value != null)
            {
                Fail("Assert.IsNull", "Actual:<" + Show(value) + ">.", message);
            }
        }

        /// <summary>Fails when <paramref name="value"/> is null.</summary>
        public static void IsNotNull(object value, [CallerArgumentExpression(nameof(value))] string message = "")
        {
            if (value == null)
            {
                Fail("Assert.IsNotNull", string.Empty, message);
            }
        }

        /// <summary>Fails unless both references are the same object.</summary>
        public static void AreSame(object expected, object actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (!ReferenceEquals(expected, actual))
            {
                Fail("Assert.AreSame", string.Empty, message);
            }
        }

        /// <summary>Fails when both references are the same object.</summary>
        public static void AreNotSame(object notExpected, object actual, [CallerArgumentExpression(nameof(actual))] string message = "")
        {
            if (ReferenceEquals(notExpected, actual))
            {
                Fail("Assert.AreNotSame", string.Empty, message);
            }
        }

        /// <summary>Fails unless <paramref name="value"/> contains <paramref name="expected"/> (ordinal).</summary>
        public static void Contains(string expected, string value, [CallerArgumentExpression(nameof(value))] string message = "")
        {
            if (expected == null || value == null || value.IndexOf(expected, StringComparison.Ordinal) < 0)
            {
                Fail("Assert.Contains", "Expected:<" + Show(expected) + "> in <" + Show(value) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="value"/> starts with <paramref name="expected"/> (ordinal).</summary>
        public static void StartsWith(string expected, string value, [CallerArgumentExpression(nameof(value))] string message = "")
        {
            if (expected == null || value == null || !value.StartsWith(expected, StringComparison.Ordinal))
            {
                Fail("Assert.StartsWith", "Expected prefix:<" + Show(expected) + "> of <" + Show(value) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="value"/> ends with <paramref name="expected"/> (ordinal).</summary>
        public static void EndsWith(string expected, string value, [CallerArgumentExpression(nameof(value))] string message = "")
        {
            if (expected == null || value == null || !value.EndsWith(expected, StringComparison.Ordinal))
            {
                Fail("Assert.EndsWith", "Expected suffix:<" + Show(expected) + "> of <" + Show(value) + ">.", message);
            }
        }

        /// <summary>Fails unless <paramref name="value"/>'s exact type is <paramref name="expectedType"/>.</summary>
        public static void IsInstanceOfType(object value, Type expectedType, [CallerArgumentExpression(nameof(value))] string message = "")
        {
            if (value == null || value.GetType() != expectedType)
            {
                Fail("Assert.IsInstanceOfType", "Expected type:<" + expectedType + ">.", message);
            }
        }

        /// <summary>
        /// Runs <paramref name="action"/> and fails unless it throws an exception of exactly type <paramref name="exception"/>
        /// (a derived type fails, as on the device).
        /// </summary>
        public static void ThrowsException(Type exception, Action action, [CallerArgumentExpression(nameof(action))] string message = "")
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                if (ex.GetType() != exception)
                {
                    Fail("Assert.ThrowsException", "Threw exception " + ex.GetType().Name + " but exception " + exception.Name + " was expected.", message);
                }

                return;
            }

            Fail("Assert.ThrowsException", "No exception thrown. " + exception.Name + " exception was expected.", message);
        }

        /// <summary>Stops the current test as skipped.</summary>
        public static void SkipTest(string message = null)
        {
            throw new SkipTestException(message ?? string.Empty);
        }

        internal static string Show(object value)
        {
            return value == null ? "(null)" : value.ToString();
        }

        internal static void Fail(string assertion, string reason, string message)
        {
            string text = assertion + " failed. " + reason;
            if (!string.IsNullOrEmpty(message))
            {
                text += " " + message;
            }

            throw new AssertFailedException(text);
        }
    }
}
