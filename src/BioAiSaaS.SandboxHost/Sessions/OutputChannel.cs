using System.Buffers;
using System.Text;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>
/// Reads one of a kernel's output streams (stdout or stderr) for the kernel's whole life and hands each cell
/// the bytes written before that cell's marker, capped while reading. Bytes that arrive between cells (a
/// thread the code left behind) are dropped.
/// </summary>
public sealed class OutputChannel
{
    private readonly Lock _gate = new();
    private CellOutput? _cell;
    /// <summary>The tail of what was read that may be the start of the marker; held back until it is known not to be.</summary>
    private byte[] _held = [];

    public OutputChannel(Stream stream) => Completion = Task.Run(() => ReadAsync(stream));

    /// <summary>Ends when the stream does: every writer inside the sandbox is gone.</summary>
    public Task Completion { get; }

    public CellOutput Begin(byte[] marker, int cap, Action onOverflow)
    {
        lock (_gate)
        {
            _cell = new CellOutput(marker, cap, onOverflow);
            _held = [];
            return _cell;
        }
    }

    private async Task ReadAsync(Stream stream)
    {
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                lock (_gate)
                {
                    Accept(chunk.AsSpan(0, read));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The kernel is gone; what was read is all there is.
        }
        finally
        {
            lock (_gate)
            {
                _cell?.Write(_held);
                _cell?.End(markerSeen: false);
                _cell = null;
            }
        }
    }

    private void Accept(ReadOnlySpan<byte> data)
    {
        if (_cell is not { } cell)
        {
            return;
        }
        ReadOnlySpan<byte> span = _held.Length == 0 ? data : [.. _held, .. data];
        var at = span.IndexOf(cell.Marker);
        if (at >= 0)
        {
            cell.Write(span[..at]);
            cell.End(markerSeen: true);
            _cell = null;
            _held = [];
            return;
        }
        var keep = MarkerPrefixAtEnd(span, cell.Marker);
        cell.Write(span[..^keep]);
        _held = span[^keep..].ToArray();
    }

    /// <summary>Length of the longest end of <paramref name="span"/> that is a start of the marker.</summary>
    private static int MarkerPrefixAtEnd(ReadOnlySpan<byte> span, ReadOnlySpan<byte> marker)
    {
        for (var length = Math.Min(marker.Length - 1, span.Length); length > 0; length--)
        {
            if (span[^length..].SequenceEqual(marker[..length]))
            {
                return length;
            }
        }
        return 0;
    }
}

/// <summary>One cell's share of an output stream: at most <c>cap</c> bytes, the rest counted and dropped.</summary>
public sealed class CellOutput(byte[] marker, int cap, Action onOverflow)
{
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Marker { get; } = marker;
    public bool Truncated { get; private set; }
    public string Text => Encoding.UTF8.GetString(_buffer.WrittenSpan);

    /// <summary>True once the marker arrived; false if the stream ended first.</summary>
    public Task<bool> Ended => _ended.Task;

    internal void Write(ReadOnlySpan<byte> data)
    {
        var room = cap - _buffer.WrittenCount;
        if (data.Length <= room)
        {
            _buffer.Write(data);
            return;
        }
        _buffer.Write(data[..Math.Max(room, 0)]);
        if (!Truncated)
        {
            Truncated = true;
            onOverflow();
        }
    }

    internal void End(bool markerSeen) => _ended.TrySetResult(markerSeen);
}
