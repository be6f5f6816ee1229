using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class DataChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Per data version, the earliest day its change touched (null: any day), so that an
            // answer as of a past day outlives writes of later days (DataVersion.BumpAsync). Not
            // customer-keyed: under Citus a table of the coordinator, as data_version.
            migrationBuilder.Sql("""
                CREATE TABLE data_changes (
                    version bigint PRIMARY KEY,
                    earliest_day date);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE data_changes");
        }
    }
}
