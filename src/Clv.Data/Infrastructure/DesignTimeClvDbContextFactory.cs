using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Clv.Data.Infrastructure;

/// <summary>Lets migration tooling build the model without starting the API.</summary>
public sealed class DesignTimeClvDbContextFactory : IDesignTimeDbContextFactory<ClvDbContext>
{
    public ClvDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ClvDbContext>();
        ClvDbContext.Configure(options, "Host=127.0.0.1;Database=clv_design");
        return new ClvDbContext(options.Options);
    }
}
