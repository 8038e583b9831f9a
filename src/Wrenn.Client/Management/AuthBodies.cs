namespace Wrenn.Client;

/// <summary>The JSON body of a sign-up.</summary>
internal sealed record SignupBody(string Email, string Password, string Name);

/// <summary>The JSON body of a login.</summary>
internal sealed record LoginBody(string Email, string Password);

/// <summary>The JSON body of an activation.</summary>
internal sealed record ActivateBody(string Token);

/// <summary>The JSON body of a team switch.</summary>
internal sealed record SwitchTeamBody(TeamId TeamId);
