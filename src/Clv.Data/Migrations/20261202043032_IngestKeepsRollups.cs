using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class IngestKeepsRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Ingest now keeps the rollups current in its own transaction. Customers still queued
            // from before are caught up here, once, and the queue goes.
            migrationBuilder.Sql("""
                CREATE TEMP TABLE pending_rollups ON COMMIT DROP AS
                    SELECT DISTINCT q.customer_id FROM rollup_queue q JOIN customers c ON c.id = q.customer_id;
                DELETE FROM customer_days d USING pending_rollups p WHERE d.customer_id = p.customer_id;
                INSERT INTO customer_days (customer_id, day, purchase_count, refund_count, gross_revenue, refunds, cost, cost_count,
                                           first_purchase_at, last_purchase_at)
                SELECT customer_id, (occurred_at AT TIME ZONE coalesce((SELECT time_zone FROM rollup_state WHERE id = 1), 'UTC'))::date,
                       count(*) FILTER (WHERE type = 1), count(*) FILTER (WHERE type = 2),
                       coalesce(sum(amount) FILTER (WHERE type = 1), 0), coalesce(sum(amount) FILTER (WHERE type = 2), 0),
                       coalesce(sum(CASE WHEN type = 1 THEN cost ELSE -cost END), 0), count(cost),
                       min(occurred_at) FILTER (WHERE type = 1), max(occurred_at) FILTER (WHERE type = 1)
                FROM transactions JOIN pending_rollups USING (customer_id)
                GROUP BY 1, 2;
                INSERT INTO customer_summaries AS s (customer_id, purchase_count, purchase_days, gross_revenue, refunds,
                                                     net_revenue, known_cost, first_purchase_at, last_purchase_at,
                                                     first_purchase_day, last_purchase_day, repeat_days_value)
                SELECT p.customer_id,
                       coalesce(sum(d.purchase_count), 0)::int,
                       count(d.day) FILTER (WHERE d.purchase_count > 0)::int,
                       coalesce(sum(d.gross_revenue), 0),
                       coalesce(sum(d.refunds), 0),
                       coalesce(sum(d.gross_revenue), 0) - coalesce(sum(d.refunds), 0),
                       CASE WHEN sum(d.cost_count) > 0 THEN sum(d.cost) END,
                       min(d.first_purchase_at),
                       max(d.last_purchase_at),
                       min(d.day) FILTER (WHERE d.purchase_count > 0),
                       max(d.day) FILTER (WHERE d.purchase_count > 0),
                       coalesce(sum(d.gross_revenue - d.refunds) FILTER (WHERE d.purchase_count > 0)
                           - (array_agg(d.gross_revenue - d.refunds ORDER BY d.day) FILTER (WHERE d.purchase_count > 0))[1], 0)
                FROM pending_rollups p
                LEFT JOIN customer_days d ON d.customer_id = p.customer_id
                GROUP BY p.customer_id
                ON CONFLICT (customer_id) DO UPDATE SET
                    purchase_count = excluded.purchase_count, purchase_days = excluded.purchase_days,
                    gross_revenue = excluded.gross_revenue, refunds = excluded.refunds, net_revenue = excluded.net_revenue,
                    known_cost = excluded.known_cost, first_purchase_at = excluded.first_purchase_at,
                    last_purchase_at = excluded.last_purchase_at, first_purchase_day = excluded.first_purchase_day,
                    last_purchase_day = excluded.last_purchase_day, repeat_days_value = excluded.repeat_days_value;
                DROP TABLE rollup_queue;
                """);

            migrationBuilder.DropForeignKey(
                name: "fk_customer_summaries_customers_customer_id",
                table: "customer_summaries");

            migrationBuilder.DropColumn(
                name: "rolled_up_version",
                table: "rollup_state");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE TABLE rollup_queue (customer_id bigint NOT NULL);");

            migrationBuilder.AddColumn<long>(
                name: "rolled_up_version",
                table: "rollup_state",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddForeignKey(
                name: "fk_customer_summaries_customers_customer_id",
                table: "customer_summaries",
                column: "customer_id",
                principalTable: "customers",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
