using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class RollupQueue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "rolled_up_version",
                table: "rollup_state",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AlterColumn<decimal>(
                name: "repeat_days_value",
                table: "customer_summaries",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "refunds",
                table: "customer_summaries",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "net_revenue",
                table: "customer_summaries",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "known_cost",
                table: "customer_summaries",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: true,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4,
                oldNullable: true);

            migrationBuilder.AlterColumn<decimal>(
                name: "gross_revenue",
                table: "customer_summaries",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "refunds",
                table: "customer_days",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "gross_revenue",
                table: "customer_days",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "cost",
                table: "customer_days",
                type: "numeric(28,4)",
                precision: 28,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(19,4)",
                oldPrecision: 19,
                oldScale: 4);

            // The customers whose rollups wait for a catch-up (Ingestion/Rollups.cs). No key: a
            // writer appends without meeting another writer's rows, and a catch-up drains what is
            // committed. Rollups written before this migration were current when they were written.
            migrationBuilder.Sql("""
                CREATE TABLE rollup_queue (customer_id bigint NOT NULL);
                UPDATE rollup_state SET rolled_up_version = (SELECT version FROM data_version WHERE id = 1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE rollup_queue;");

            migrationBuilder.DropColumn(
                name: "rolled_up_version",
                table: "rollup_state");

            migrationBuilder.AlterColumn<decimal>(
                name: "repeat_days_value",
                table: "customer_summaries",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "refunds",
                table: "customer_summaries",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "net_revenue",
                table: "customer_summaries",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "known_cost",
                table: "customer_summaries",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: true,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4,
                oldNullable: true);

            migrationBuilder.AlterColumn<decimal>(
                name: "gross_revenue",
                table: "customer_summaries",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "refunds",
                table: "customer_days",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "gross_revenue",
                table: "customer_days",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);

            migrationBuilder.AlterColumn<decimal>(
                name: "cost",
                table: "customer_days",
                type: "numeric(19,4)",
                precision: 19,
                scale: 4,
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric(28,4)",
                oldPrecision: 28,
                oldScale: 4);
        }
    }
}
