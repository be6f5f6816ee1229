using Microsoft.Playwright;

namespace Clv.Dashboard.Tests.Infrastructure;

/// <summary>
/// Full-page screenshots, into the test's output folder, and into the repository's docs/ (those
/// docs/dashboard.md shows) when CLV_UPDATE_SCREENSHOTS=1, so a test run leaves the tree alone.
/// </summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        await File.WriteAllBytesAsync(Path.Combine(AppContext.BaseDirectory, name), bytes);
        if (Environment.GetEnvironmentVariable("CLV_UPDATE_SCREENSHOTS") == "1")
        {
            await File.WriteAllBytesAsync(Path.Combine(RepositoryRoot(), "docs", name), bytes);
        }
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Clv.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Clv.sln not found above " + AppContext.BaseDirectory);
    }
}
