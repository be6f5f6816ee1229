namespace Clv.Api.Tests.Infrastructure;

/// <summary>The checkout the tests run from: the nearest folder above the test build that holds Clv.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Clv.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Clv.sln not found above " + AppContext.BaseDirectory);
    }
}
