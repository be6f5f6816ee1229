using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class PastDayLookups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A past day's corrected cells (RollupCells) start from the customers who changed after
            // the day: those who bought after it, the refunders with a day after it, and those
            // acquired after it. Each is a range of one of these indexes instead of a scan of every
            // customer and summary. Every key includes the row's customer or is a plain index of a
            // customer-keyed table, as Citus allows.
            migrationBuilder.Sql("""
                CREATE INDEX ix_customer_summaries_last_purchase_day ON customer_summaries (last_purchase_day);
                CREATE INDEX ix_customer_summaries_refunders ON customer_summaries (customer_id) WHERE refunds <> 0;
                CREATE INDEX ix_customers_acquired_at ON customers (acquired_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX ix_customers_acquired_at;
                DROP INDEX ix_customer_summaries_refunders;
                DROP INDEX ix_customer_summaries_last_purchase_day;
                """);
        }
    }
}
