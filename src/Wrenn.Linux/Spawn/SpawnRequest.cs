namespace Wrenn.Linux.Spawn;

/// <summary>
/// A program to start in a new session (so that its process group id is its pid and signals can
/// reach the whole group). Exactly one of <see cref="Stdio"/> and <see cref="TerminalPath"/> is set.
/// </summary>
/// <param name="Path">Absolute path of the executable; no PATH search happens here.</param>
/// <param name="Argv">The full argument vector, argv[0] included.</param>
/// <param name="Environment">"NAME=value" entries.</param>
/// <param name="WorkingDirectory">The child's current directory.</param>
/// <param name="Stdio">Descriptors that become the child's 0, 1 and 2.</param>
/// <param name="TerminalPath">A PTY slave opened as the child's controlling terminal and stdio.</param>
public sealed record SpawnRequest(
    string Path,
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Environment,
    string WorkingDirectory,
    StdioDescriptors? Stdio,
    string? TerminalPath);

/// <summary>Parent-side descriptors to place at the child's stdin, stdout and stderr.</summary>
public sealed record StdioDescriptors(int Stdin, int Stdout, int Stderr);
