// The shape of nanoFramework.System.Collections 1.5.75: kinds, base types, return types and statics (the listing's
// doc-IDs carry none of them). Only declarations; ListingReferenceBuilder checks every member against the listing.
namespace System.Collections
{
    public struct DictionaryEntry
    {
        public object Key;
        public object Value;
        public DictionaryEntry(object key, object value);
    }

    public interface IDictionary : ICollection
    {
        bool IsFixedSize { get; }
        bool IsReadOnly { get; }
        object this[object key] { get; set; }
        ICollection Keys { get; }
        ICollection Values { get; }
        void Add(object key, object value);
        void Clear();
        bool Contains(object key);
        void Remove(object key);
    }

    public interface IDictionaryEnumerator : IEnumerator
    {
        DictionaryEntry Entry { get; }
        object Key { get; }
        object Value { get; }
    }

    public class Hashtable : IDictionary, ICloneable
    {
        public Hashtable();
        public Hashtable(int capacity);
        public Hashtable(int capacity, float loadFactor);
        public virtual int Count { get; }
        public virtual bool IsFixedSize { get; }
        public virtual bool IsReadOnly { get; }
        public virtual bool IsSynchronized { get; }
        public virtual object this[object key] { get; set; }
        public virtual ICollection Keys { get; }
        public virtual object SyncRoot { get; }
        public virtual ICollection Values { get; }
        public virtual void Add(object key, object value);
        public virtual void Clear();
        public virtual object Clone();
        public virtual bool Contains(object key);
        public virtual void CopyTo(Array array, int arrayIndex);
        public IEnumerator GetEnumerator();
        public virtual void Remove(object key);
    }

    public class Queue : ICollection, ICloneable
    {
        public Queue();
        public virtual int Count { get; }
        public virtual bool IsSynchronized { get; }
        public virtual object SyncRoot { get; }
        public virtual void Clear();
        public virtual object Clone();
        public virtual bool Contains(object obj);
        public virtual void CopyTo(Array array, int index);
        public virtual object Dequeue();
        public virtual void Enqueue(object obj);
        public virtual IEnumerator GetEnumerator();
        public virtual object Peek();
        public virtual object[] ToArray();
    }

    public class Stack : ICollection, ICloneable
    {
        public Stack();
        public virtual int Count { get; }
        public virtual bool IsSynchronized { get; }
        public virtual object SyncRoot { get; }
        public virtual void Clear();
        public virtual object Clone();
        public virtual bool Contains(object obj);
        public virtual void CopyTo(Array array, int index);
        public virtual IEnumerator GetEnumerator();
        public virtual object Peek();
        public virtual object Pop();
        public virtual void Push(object obj);
        public virtual object[] ToArray();
    }
}
