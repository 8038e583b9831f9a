namespace Wrenn.Recipes;

/// <summary>A recipe or healthcheck that does not parse; the message is meant for the user who wrote it.</summary>
public sealed class RecipeException(string message) : Exception(message);
