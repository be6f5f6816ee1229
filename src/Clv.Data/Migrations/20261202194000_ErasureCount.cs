using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class ErasureCount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // How many erasures have committed (DataVersion.CountErasureAsync): a model run that
            // sees the count unchanged at its swap skips looking for erased customers among its
            // predictions (PredictionStore.ActivateAsync). Read and written with SQL only.
            migrationBuilder.Sql("ALTER TABLE data_version ADD COLUMN erasures bigint NOT NULL DEFAULT 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE data_version DROP COLUMN erasures");
        }
    }
}
