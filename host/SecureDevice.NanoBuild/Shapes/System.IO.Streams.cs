// The shape of System.IO.Streams 1.1.96 (source: System.IO.Streams v1.1.96, e6d0ae8b640f), for Stream, MemoryStream and
// SeekOrigin: the abstract and virtual members, base types and interfaces, return types and parameter names the listing's
// doc-IDs do not carry. The readers and writers keep the builder's default shape. Only declarations;
// ListingReferenceBuilder checks each member against System.IO.Streams.txt.
using System;

namespace System.IO
{
    public enum SeekOrigin
    {
        Begin = 0,
        Current = 1,
        End = 2,
    }

    public abstract class Stream : MarshalByRefObject, IDisposable
    {
        protected Stream();
        public abstract bool CanRead { get; }
        public abstract bool CanSeek { get; }
        public virtual bool CanTimeout { get; }
        public abstract bool CanWrite { get; }
        public abstract long Length { get; }
        public abstract long Position { get; set; }
        public virtual int ReadTimeout { get; set; }
        public virtual int WriteTimeout { get; set; }
        public virtual void Close();
        public void CopyTo(Stream destination);
        public void Dispose();
        ~Stream();
        protected virtual void Dispose(bool disposing);
        public abstract void Flush();
        public abstract long Seek(long offset, SeekOrigin origin);
        public abstract void SetLength(long value);
        public abstract int Read(SpanByte buffer);
        public abstract int Read(byte[] buffer, int offset, int count);
        public virtual int ReadByte();
        public abstract void Write(byte[] buffer, int offset, int count);
        public virtual void WriteByte(byte value);
    }

    public class MemoryStream : Stream
    {
        public MemoryStream();
        public MemoryStream(byte[] buffer);
        public MemoryStream(byte[] buffer, bool isWritable);
        public override bool CanRead { get; }
        public override bool CanSeek { get; }
        public override bool CanWrite { get; }
        protected override void Dispose(bool disposing);
        public override void Flush();
        public virtual byte[] GetBuffer();
        public override long Length { get; }
        public override long Position { get; set; }
        public override int Read(SpanByte buffer);
        public override int Read(byte[] buffer, int offset, int count);
        public override int ReadByte();
        public override long Seek(long offset, SeekOrigin origin);
        public override void SetLength(long value);
        public virtual byte[] ToArray();
        public override void Write(byte[] buffer, int offset, int count);
        public override void WriteByte(byte value);
        public virtual void WriteTo(Stream stream);
    }
}
