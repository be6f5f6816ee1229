namespace Clv.Analytics.ModelRuns;

/// <summary>A run that cannot produce trustworthy numbers; its message is shown to the user.</summary>
public sealed class ModelRunFailedException(string message) : Exception(message);
