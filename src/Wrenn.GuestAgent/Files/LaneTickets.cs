using System.Collections.Concurrent;
using System.Net.Sockets;
using Wrenn.Agent.Protocol.Lane;

namespace Wrenn.GuestAgent.Files;

/// <summary>
/// Meets file lane connections with the calls whose tickets they present. Either may come first:
/// a host's connection can overtake the link message that announces its ticket. What is not met
/// within <see cref="FileLane.HandOverTimeout"/> is closed.
/// </summary>
internal sealed class LaneTickets(TimeProvider time)
{
    // Connections waiting for their call: a guest process can open lane connections too (it cannot
    // present a real ticket), and these must not pile up.
    private const int MaxWaiting = 64;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Socket>> _slots = new();

    /// <summary>The lane connection presenting <paramref name="ticket"/>, once it is there.</summary>
    public async Task<Socket> ClaimAsync(ReadOnlyMemory<byte> ticket, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(ticket.Span);
        var slot = _slots.GetOrAdd(key, static _ => NewSlot());
        try
        {
            return await slot.Task.WaitAsync(FileLane.HandOverTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A connection arriving from now on finds the slot closed and is dropped; one that
            // arrived at the same moment is closed here.
            if (!slot.TrySetCanceled(CancellationToken.None) && slot.Task.IsCompletedSuccessfully)
            {
                slot.Task.Result.Dispose();
            }

            throw;
        }
        finally
        {
            _slots.TryRemove(new KeyValuePair<string, TaskCompletionSource<Socket>>(key, slot));
        }
    }

    /// <summary>Hands <paramref name="connection"/> to the call holding <paramref name="ticket"/>, now or when it claims it.</summary>
    public async Task ArriveAsync(ReadOnlyMemory<byte> ticket, Socket connection)
    {
        if (_slots.Count >= MaxWaiting)
        {
            connection.Dispose();
            return;
        }

        var key = Convert.ToHexString(ticket.Span);
        var slot = _slots.GetOrAdd(key, static _ => NewSlot());
        if (!slot.TrySetResult(connection))
        {
            connection.Dispose();
            return;
        }

        // Never claimed: close it after the hand-over time.
        await Task.Delay(FileLane.HandOverTimeout, time).ConfigureAwait(false);
        if (_slots.TryRemove(new KeyValuePair<string, TaskCompletionSource<Socket>>(key, slot)))
        {
            connection.Dispose();
        }
    }

    private static TaskCompletionSource<Socket> NewSlot() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
