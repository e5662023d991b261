using System;

namespace TestFrameworkShared
{
    /// <summary>Thrown by every failed assertion, as in nanoFramework.TestFramework (same namespace and name).</summary>
    public class AssertFailedException : Exception
    {
        /// <summary>Creates the exception without a message.</summary>
        public AssertFailedException()
        {
        }

        /// <summary>Creates the exception with the assertion's failure message.</summary>
        public AssertFailedException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception with a message and the exception that caused it.</summary>
        public AssertFailedException(string message, Exception inner)
            : base(message, inner)
        {
        }
    }
}
