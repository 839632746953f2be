using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Threading.Channels;

namespace BioAiSaaS.SandboxHost.Sessions;

/// <summary>
/// The kernel's answers: one JSON object per line on the control FIFO. A line longer than the cap, or one that
/// is not JSON, means the kernel is broken (or the code rewrote it): the channel ends and the session with it.
/// </summary>
public sealed class ControlChannel
{
    /// <summary>Room for a reply carrying inline figures and a table; nothing legitimate comes near it.</summary>
    public const int MaxLineBytes = 48 << 20;

    private readonly Channel<JsonElement> _replies = Channel.CreateUnbounded<JsonElement>(new() { SingleReader = true });

    public ControlChannel(Stream stream) => Completion = Task.Run(() => ReadAsync(stream));

    public Task Completion { get; }

    /// <summary>The next reply; throws <see cref="ChannelClosedException"/> once the kernel has gone.</summary>
    public ValueTask<JsonElement> ReceiveAsync(CancellationToken cancellationToken) => _replies.Reader.ReadAsync(cancellationToken);

    private async Task ReadAsync(Stream stream)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync();
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    _replies.Writer.TryWrite(Parse(buffer.Slice(0, end)));
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }
                if (buffer.Length > MaxLineBytes)
                {
                    throw new InvalidDataException($"The kernel sent a line longer than {MaxLineBytes} bytes.");
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
            _replies.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _replies.Writer.TryComplete(e);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static JsonElement Parse(ReadOnlySequence<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        return JsonElement.ParseValue(ref reader);
    }
}
