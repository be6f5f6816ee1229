using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Clv.Data.Migrations
{
    /// <inheritdoc />
    public partial class ExternalIdsByteOrder : Migration
    {
        // Every table with an external id: the customer-keyed tables and their lookup tables by id.
        private static readonly string[] Tables =
            ["customers", "customer_keys", "transactions", "transaction_keys", "subscriptions", "subscription_keys", "feedback", "feedback_keys"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // External ids compare byte by byte (ExternalIdProperty). Only the collation changes: the
            // rows stay as they are and each key index is built again, under a lock that holds
            // writers of the table for as long as that takes (docs/operations.md).
            SetCollation(migrationBuilder, collation: "C", oldCollation: null);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            SetCollation(migrationBuilder, collation: null, oldCollation: "C");

        private static void SetCollation(MigrationBuilder migrationBuilder, string collation, string oldCollation)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.AlterColumn<string>(
                    name: "external_id",
                    table: table,
                    type: "character varying(128)",
                    maxLength: 128,
                    nullable: false,
                    collation: collation,
                    oldClrType: typeof(string),
                    oldType: "character varying(128)",
                    oldMaxLength: 128,
                    oldCollation: oldCollation);
            }
        }
    }
}
