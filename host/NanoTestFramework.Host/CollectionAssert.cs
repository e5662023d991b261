using System.Collections;

namespace nanoFramework.TestFramework
{
    /// <summary>Collection assertions with nanoFramework.TestFramework 3.0.80 semantics (element-wise object.Equals).</summary>
    public sealed class CollectionAssert
    {
        private CollectionAssert()
        {
        }

        /// <summary>Fails unless both collections have the same count and pairwise equal elements.</summary>
        public static void AreEqual(ICollection expected, ICollection actual, string message = "")
        {
            string reason = Difference(expected, actual);
            if (reason != null)
            {
                Assert.Fail("CollectionAssert.AreEqual", reason, message);
            }
        }

        /// <summary>Fails when both collections have the same count and pairwise equal elements.</summary>
        public static void AreNotEqual(ICollection notExpected, ICollection actual, string message = "")
        {
            if (Difference(notExpected, actual) == null)
            {
                Assert.Fail("CollectionAssert.AreNotEqual", "The collections are equal.", message);
            }
        }

        /// <summary>Fails unless the collection is empty.</summary>
        public static void Empty(ICollection collection, string message = "")
        {
            if (collection == null || collection.Count != 0)
            {
                Assert.Fail("CollectionAssert.Empty", "The collection is not empty.", message);
            }
        }

        /// <summary>Fails when the collection is empty or null.</summary>
        public static void NotEmpty(ICollection collection, string message = "")
        {
            if (collection == null || collection.Count == 0)
            {
                Assert.Fail("CollectionAssert.NotEmpty", "The collection is empty.", message);
            }
        }

        private static string Difference(ICollection expected, ICollection actual)
        {
            if (ReferenceEquals(expected, actual))
            {
                return null;
            }

            if (expected == null || actual == null)
            {
                return "One of the collections is null.";
            }

            if (expected.Count != actual.Count)
            {
                return "Different number of elements: expected " + expected.Count + " got " + actual.Count + ".";
            }

            IEnumerator left = expected.GetEnumerator();
            IEnumerator right = actual.GetEnumerator();
            int index = 0;
            while (left.MoveNext() && right.MoveNext())
            {
                if (!Equals(left.Current, right.Current))
                {
                    return "Element at index " + index + " do not match. Expected:<" + Assert.Show(left.Current) + ">. Actual:<" + Assert.Show(right.Current) + ">.";
                }

                index++;
            }

            return null;
        }
    }
}
