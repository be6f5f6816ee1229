using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class LookupKeysForCitus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_transactions",
                table: "transactions");

            migrationBuilder.DropIndex(
                name: "ix_transactions_customer_id_occurred_at",
                table: "transactions");

            migrationBuilder.DropIndex(
                name: "ix_customers_external_id",
                table: "customers");

            migrationBuilder.AddPrimaryKey(
                name: "pk_transactions",
                table: "transactions",
                columns: new[] { "customer_id", "external_id" });

            migrationBuilder.CreateTable(
                name: "customer_keys",
                columns: table => new
                {
                    external_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    customer_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_customer_keys", x => x.external_id);
                });

            migrationBuilder.CreateTable(
                name: "transaction_keys",
                columns: table => new
                {
                    external_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    customer_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_transaction_keys", x => x.external_id);
                });

            // The stored ids move into the lookup tables, which keep them unique from now on.
            migrationBuilder.Sql("""
                INSERT INTO customer_keys (external_id, customer_id) SELECT external_id, id FROM customers;
                INSERT INTO transaction_keys (external_id, customer_id) SELECT external_id, customer_id FROM transactions;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "customer_keys");

            migrationBuilder.DropTable(
                name: "transaction_keys");

            migrationBuilder.DropPrimaryKey(
                name: "pk_transactions",
                table: "transactions");

            migrationBuilder.AddPrimaryKey(
                name: "pk_transactions",
                table: "transactions",
                column: "external_id");

            migrationBuilder.CreateIndex(
                name: "ix_transactions_customer_id_occurred_at",
                table: "transactions",
                columns: new[] { "customer_id", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "ix_customers_external_id",
                table: "customers",
                column: "external_id",
                unique: true);
        }
    }
}
