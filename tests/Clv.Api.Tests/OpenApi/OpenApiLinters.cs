using System.Diagnostics;
using System.Text.Json.Nodes;
using Clv.Api.Tests.Infrastructure;

namespace Clv.Api.Tests.OpenApi;

/// <summary>
/// Redocly CLI and Spectral, installed by <c>npm ci</c> in tests/openapi-lint (scripts/test.sh does
/// it), run by the node on the PATH over a document written to a temporary file.
/// </summary>
public static class OpenApiLinters
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static string Folder { get; } = Path.Combine(RepositoryRoot.Path, "tests", "openapi-lint");

    /// <summary>Redocly's <c>recommended</c> ruleset (tests/openapi-lint/redocly.yaml): its problems as "severity rule: message at pointer" lines.</summary>
    public static async Task<IReadOnlyList<string>> RedoclyAsync(string document)
    {
        var run = await RunAsync(document, (file, args) =>
        {
            args.Add(Bin("@redocly/cli/bin/cli.js"));
            args.Add("lint");
            args.Add(file);
            args.Add("--format=json");
        });
        var report = ParseJson(run, "Redocly");
        return [.. report["problems"]!.AsArray().Select(p =>
            $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {string.Join(", ", p["location"]!.AsArray().Select(l => l!["pointer"]))}")];
    }

    /// <summary>Spectral with <c>spectral:oas</c> and the OWASP ruleset (tests/openapi-lint/spectral.mjs): its errors, one a line.</summary>
    public static async Task<IReadOnlyList<string>> SpectralErrorsAsync(string document)
    {
        var run = await RunAsync(document, (file, args) =>
        {
            args.Add(Bin("@stoplight/spectral-cli/dist/index.js"));
            args.Add("lint");
            args.Add(file);
            args.Add("--ruleset=" + Path.Combine(Folder, "spectral.mjs"));
            args.Add("--format=json");
            args.Add("--quiet");
        });
        // Spectral's JSON: an array of results, severity 0 being an error.
        var results = ParseJson(run, "Spectral").AsArray();
        return [.. results.Where(r => (int)r!["severity"]! == 0).Select(r =>
            $"{r!["code"]}: {r["message"]} at /{string.Join('/', r["path"]!.AsArray().Select(s => s!.ToString()))}")];
    }

    private static string Bin(string relative)
    {
        var path = Path.Combine(Folder, "node_modules", relative);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: run `npm ci` in tests/openapi-lint (./scripts/test.sh does).");
    }

    // Both print their report as the one JSON value on stdout (banners and notices go to stderr).
    private static JsonNode ParseJson(Run run, string linter)
    {
        try
        {
            return JsonNode.Parse(run.Stdout)!;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidOperationException(
                $"{linter} exited {run.Exit} without a JSON report:{Environment.NewLine}{run.Stdout}{Environment.NewLine}{run.Stderr}", e);
        }
    }

    private sealed record Run(int Exit, string Stdout, string Stderr);

    private static async Task<Run> RunAsync(string document, Action<string, IList<string>> arguments)
    {
        var file = Path.Combine(Path.GetTempPath(), $"clv-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            arguments(file, start.ArgumentList);
            // No usage report or update check: tests make no calls outside this machine.
            start.Environment["REDOCLY_TELEMETRY"] = "off";
            start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{start.ArgumentList[0]} ran longer than {Timeout}.");
            }

            return new Run(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
