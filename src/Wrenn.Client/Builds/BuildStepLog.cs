namespace Wrenn.Client;

/// <summary>One finished step of a build.</summary>
/// <param name="Step">Its number, from 1, across the phases.</param>
/// <param name="Phase">Its phase.</param>
/// <param name="Cmd">The recipe line as written.</param>
/// <param name="Stdout">Its standard output (up to 256 KiB).</param>
/// <param name="Stderr">Its standard error (up to 256 KiB).</param>
/// <param name="Exit">Its exit status.</param>
/// <param name="Ok">It succeeded.</param>
/// <param name="ElapsedMs">How long it ran, in milliseconds.</param>
public sealed record BuildStepLog(int Step, BuildPhase Phase, string Cmd, string Stdout, string Stderr, int Exit, bool Ok, long ElapsedMs);
