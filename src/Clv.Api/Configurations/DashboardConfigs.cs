using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Clv.Api.Configurations;

/// <summary>
/// The dashboard (docs/dashboard.md): the static build of src/Clv.Dashboard, copied beside the API
/// as <c>dashboard/</c>, served anonymously at <c>/dashboard/</c>; <c>GET /</c> redirects there.
/// The page holds no data: it asks the REST API for everything with the key its user pastes.
/// </summary>
internal static class DashboardConfigs
{
    public const string Path = "/dashboard";

    /// <summary>
    /// Scripts and data from this origin only. Styles also inline: ECharts writes its tooltips as
    /// HTML with style attributes. Nothing may frame the page.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Before authorization, as Swagger is: the page and its scripts need no key. Without a build
    /// (<c>scripts/lib/dashboard.sh</c> was not run) <c>/dashboard/</c> is 404 and the API serves as usual.
    /// </summary>
    public static void UseClvDashboard(this WebApplication app)
    {
        var root = System.IO.Path.Combine(AppContext.BaseDirectory, "dashboard");
        if (!File.Exists(System.IO.Path.Combine(root, "index.html")))
        {
            app.Logger.LogWarning("No dashboard build in {Directory}; /dashboard is not served (scripts/lib/dashboard.sh builds it)", root);
            return;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                // Scripts and styles carry a hash of their content in their names (build.mjs), so
                // they never change; the page that names them is checked on every load.
                context.Context.Response.Headers.CacheControl = context.File.Name.EndsWith(".html", StringComparison.Ordinal)
                    ? "no-cache"
                    : "public, max-age=31536000, immutable";
            },
        });
    }

    /// <summary><c>GET /</c>: to the dashboard, the page a person opening the service's address wants.</summary>
    public static void MapClvDashboard(this WebApplication app) =>
        app.MapGet("/", () => Results.Redirect(Path + "/")).AllowAnonymous().ExcludeFromDescription();
}
