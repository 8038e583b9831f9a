namespace Wrenn.Client;

/// <summary>A new account.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Email">Their email, lowercase.</param>
/// <param name="Name">Their name.</param>
/// <param name="ActivationRequired">The account waits for the emailed activation link (<see cref="AuthClient.ActivateAsync"/>) before it can log in.</param>
public sealed record SignupResult(UserId UserId, string Email, string Name, bool ActivationRequired);
