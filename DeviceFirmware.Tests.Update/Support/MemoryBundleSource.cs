using System.Collections;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// An in-memory update server for tests: files by URL, honouring ranges like an HTTP server would, with faults to
    /// inject (failed opens, bodies cut after some bytes, a server that ignores ranges, random drops) and counters.
    /// </summary>
    public sealed class MemoryBundleSource : IBundleSource
    {
        private readonly Hashtable _files = new Hashtable();
        private byte[] _open;
        private bool _openIsPayload;
        private int _position;
        private int _cutAt = -1;

        /// <summary>Most bytes one Read returns (a network delivers in pieces).</summary>
        public int MaxRead = 1024;

        /// <summary>The next this many Opens fail with <see cref="FailWith"/>.</summary>
        public int FailOpens;

        /// <summary>Status the injected failures return.</summary>
        public DownloadStatus FailWith = DownloadStatus.NetworkError;

        /// <summary>When ≥ 0, the next opened body breaks with a network error after this many bytes (then resets to -1).</summary>
        public int CutNextAfter = -1;

        /// <summary>Answers ranged requests with the whole file, like a server without range support.</summary>
        public bool IgnoreRange;

        /// <summary>Opens answer without a length (remaining -1), like a chunked response without Content-Length.</summary>
        public bool UnknownLength;

        /// <summary>When set, every open breaks its body after a random number of bytes with this probability in percent.</summary>
        public int DropPercent;

        /// <summary>Random source for <see cref="DropPercent"/>.</summary>
        public TestRandom Random;

        /// <summary>Opens attempted.</summary>
        public int Opens;

        /// <summary>Opens with an offset above 0.</summary>
        public int RangedOpens;

        /// <summary>Body bytes delivered.</summary>
        public long BytesServed;

        /// <summary>Body bytes delivered from payload files (URLs ending in ".pe").</summary>
        public long PayloadBytesServed;

        /// <summary>Calls of <see cref="Close"/> by the caller (a reader must close what it opened, even after a failed read).</summary>
        public int Closes;

        /// <summary>Largest count a caller asked one Read for.</summary>
        public int LargestReadRequest;

        /// <summary>Puts <paramref name="content"/> at <paramref name="url"/>.</summary>
        public void Put(string url, byte[] content)
        {
            _files[url] = content;
        }

        /// <summary>Removes <paramref name="url"/>.</summary>
        public void Remove(string url)
        {
            _files.Remove(url);
        }

        /// <summary>Removes every file (a test that publishes many bundles keeps only the one it offers).</summary>
        public void Clear()
        {
            _open = null;
            _files.Clear();
        }

        /// <summary>Publishes a test bundle's folder under <paramref name="url"/> (ending in '/').</summary>
        public void PutBundle(string url, byte[] manifest, byte[] signature, byte[] delegation, string[] names, byte[][] payloads)
        {
            Put(url + SlotLayout.Manifest, manifest);
            Put(url + SlotLayout.Signature, signature);
            Put(url + SlotLayout.Delegation, delegation);
            for (int i = 0; i < names.Length; i++)
            {
                Put(url + names[i], payloads[i]);
            }
        }

        /// <inheritdoc />
        public DownloadStatus Open(string url, long offset, out long remaining)
        {
            remaining = -1;
            _open = null;
            Opens++;
            if (FailOpens > 0)
            {
                FailOpens--;
                return FailWith;
            }

            byte[] file = (byte[])_files[url];
            if (file == null)
            {
                return DownloadStatus.NotFound;
            }

            if (offset > 0)
            {
                RangedOpens++;
                if (IgnoreRange)
                {
                    return DownloadStatus.RangeIgnored;
                }

                if (offset >= file.Length)
                {
                    return DownloadStatus.RangeNotSatisfiable;
                }
            }

            _open = file;
            _openIsPayload = url.EndsWith(".pe");
            _position = (int)offset;
            remaining = UnknownLength ? -1 : file.Length - offset;
            _cutAt = CutNextAfter >= 0 ? _position + CutNextAfter : -1;
            CutNextAfter = -1;
            if (_cutAt < 0 && DropPercent > 0 && Random != null && Random.Next(100) < DropPercent)
            {
                _cutAt = _position + Random.Next(file.Length - _position + 1);
            }

            return DownloadStatus.Ok;
        }

        /// <inheritdoc />
        public DownloadStatus Read(byte[] buffer, int offset, int count, out int read)
        {
            read = 0;
            if (_open == null)
            {
                throw new System.InvalidOperationException("nothing open");
            }

            LargestReadRequest = count > LargestReadRequest ? count : LargestReadRequest;
            if (_cutAt >= 0 && _position >= _cutAt)
            {
                _open = null;
                return DownloadStatus.NetworkError;
            }

            int end = _cutAt >= 0 && _cutAt < _open.Length ? _cutAt : _open.Length;
            int available = end - _position;
            read = available < count ? available : count;
            read = read < MaxRead ? read : MaxRead;
            System.Array.Copy(_open, _position, buffer, offset, read);
            _position += read;
            BytesServed += read;
            PayloadBytesServed += _openIsPayload ? read : 0;
            return DownloadStatus.Ok;
        }

        /// <summary>True while a body is open (the engine must not hold a connection it no longer reads).</summary>
        public bool IsOpen
        {
            get { return _open != null; }
        }

        /// <inheritdoc />
        public void Close()
        {
            Closes++;
            _open = null;
        }
    }
}
