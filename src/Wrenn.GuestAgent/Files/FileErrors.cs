using Grpc.Core;
using Wrenn.Agent.Protocol;
using Wrenn.Linux;

namespace Wrenn.GuestAgent.Files;

/// <summary>Maps filesystem failures to the protocol's error codes (errno first, then exception type).</summary>
internal static class FileErrors
{
    public static RpcException From(Exception failure) => failure switch
    {
        RpcException rpc => rpc,
        FileNotFoundException or DirectoryNotFoundException => AgentErrors.Exception(AgentErrorCode.NotFound, "no such file or directory"),
        UnauthorizedAccessException => AgentErrors.Exception(AgentErrorCode.PermissionDenied, "permission denied"),
        PathTooLongException => AgentErrors.Exception(AgentErrorCode.InvalidArgument, "path too long"),
        IOException io => io.HResult switch
        {
            Errno.ENOENT => AgentErrors.Exception(AgentErrorCode.NotFound, "no such file or directory"),
            Errno.ENOTDIR => AgentErrors.Exception(AgentErrorCode.NotADirectory, "a path component is not a directory"),
            Errno.EISDIR => AgentErrors.Exception(AgentErrorCode.IsADirectory, "is a directory"),
            Errno.EEXIST => AgentErrors.Exception(AgentErrorCode.Conflict, "already exists"),
            Errno.EACCES or Errno.EPERM => AgentErrors.Exception(AgentErrorCode.PermissionDenied, "permission denied"),
            Errno.ENOSPC or Errno.EDQUOT => AgentErrors.Exception(AgentErrorCode.NoSpace, "no space left on the capsule's disk"),
            Errno.ENAMETOOLONG or Errno.ELOOP => AgentErrors.Exception(AgentErrorCode.InvalidArgument, "bad path"),
            Errno.EOPNOTSUPP => AgentErrors.Exception(AgentErrorCode.InvalidArgument, "the file system keeps no file metadata"),
            _ => AgentErrors.Exception(AgentErrorCode.Unknown, "I/O error"),
        },
        _ => AgentErrors.Exception(AgentErrorCode.Unknown, "I/O error"),
    };

    /// <summary>Runs <paramref name="action"/>, translating filesystem failures.</summary>
    public static T Translate<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw From(failure);
        }
    }
}
