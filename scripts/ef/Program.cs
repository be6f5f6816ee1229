// Usage: dotnet run --project scripts/ef -- add <MigrationName> <path to src/Clv.Data>
using Clv.Data;
using Clv.Data.Infrastructure;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;

if (args is not ["add", var name, var projectDir])
{
    Console.Error.WriteLine("usage: add <MigrationName> <path to src/Clv.Data>");
    return 2;
}

var reporter = new OperationReporter(new OperationReportHandler(
    errorHandler: m => Console.Error.WriteLine(m),
    warningHandler: m => Console.Error.WriteLine(m),
    informationHandler: Console.WriteLine));
var assembly = typeof(ClvDbContext).Assembly;
using var context = new DesignTimeClvDbContextFactory().CreateDbContext([]);
var services = new DesignTimeServicesBuilder(assembly, assembly, reporter, []).Build(context);
var scaffolder = services.GetRequiredService<IMigrationsScaffolder>();
var migration = scaffolder.ScaffoldMigration(name, "Clv.Data", "Migrations", "C#");
var files = scaffolder.Save(Path.GetFullPath(projectDir), migration, Path.Combine(Path.GetFullPath(projectDir), "Migrations"));
Console.WriteLine($"wrote {files.MigrationFile}");
Console.WriteLine($"wrote {files.SnapshotFile}");
return 0;
