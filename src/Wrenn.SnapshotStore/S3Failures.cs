using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace Wrenn.SnapshotStore;

/// <summary>
/// Turns what the AWS SDK throws into the <see cref="IObjectStore"/> contract: a missing object is
/// null, the caller's cancellation stays a cancellation, and every other failure — no connection, a
/// timeout, a refused signature, a server error, a missing bucket — is a
/// <see cref="StoreUnavailableException"/>, because to a host a store that refuses its requests is
/// as unusable as one that is down. Messages name the store, the operation, the HTTP status and the
/// S3 error code, never the server's own text (it can echo the request) and never the secret.
/// </summary>
internal sealed class S3Failures(string store)
{
    private const string NoSuchBucket = "NoSuchBucket";

    /// <summary>Runs one SDK call, translating its failures.</summary>
    public async Task<T> RunAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && Translate(operation, exception) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <summary>
    /// As <see cref="RunAsync{T}"/>, with a missing key as null. A missing bucket stays a failure; a
    /// HEAD answer has no body to tell the two apart, so a 404 without an error code counts as a missing key.
    /// </summary>
    public async Task<T?> RunOrNullAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException exception) when (exception.StatusCode == HttpStatusCode.NotFound && exception.ErrorCode != NoSuchBucket)
        {
            return null;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && Translate(operation, exception) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private StoreUnavailableException? Translate(string operation, Exception exception)
    {
        if (exception is AmazonServiceException { StatusCode: not 0 } service)
        {
            var code = IsToken(service.ErrorCode) ? " " + service.ErrorCode : "";
            var what = service.StatusCode switch
            {
                HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => "refused the credentials",
                HttpStatusCode.NotFound when service.ErrorCode == NoSuchBucket => "found no such bucket",
                _ => "failed",
            };
            return new StoreUnavailableException($"Object store {store}: {operation} {what} (HTTP {(int)service.StatusCode}{code}).");
        }

        return NetworkFailure(exception) is { } reason
            ? new StoreUnavailableException($"Object store {store}: {operation} failed: {reason}.", exception)
            : null;
    }

    /// <summary>Why the request never got an answer, when that is what happened; the exceptions named here carry local text only.</summary>
    private static string? NetworkFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http:
                    return "the connection failed (" + http.HttpRequestError + ")";
                case SocketException socket:
                    return "the connection failed (" + socket.SocketErrorCode + ")";
                case TimeoutException or OperationCanceledException:
                    return "timed out";
                case IOException or HttpRequestException:
                    return "the connection failed";
            }
        }

        return null;
    }

    /// <summary>An S3 error code is a short identifier; anything else is not repeated.</summary>
    private static bool IsToken(string? code) =>
        code is { Length: > 0 and <= 64 } && code.All(char.IsAsciiLetterOrDigit);
}
