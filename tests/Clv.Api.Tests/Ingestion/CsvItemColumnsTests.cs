using Clv.Api.Requests;
using Clv.Api.Transactions;

namespace Clv.Api.Tests.Ingestion;

/// <summary>The columns of a CSV import are the snake_case of the item's properties; a misspelt one fails at start, not as a silently empty field.</summary>
public sealed class CsvItemColumnsTests
{
    [Fact]
    public void A_column_that_names_no_property_of_the_item_is_refused_by_name()
    {
        var refused = Assert.Throws<ArgumentException>(() => new CsvItemColumns<TransactionItem>(["external_id", "amonut"], optional: ["cost"]));

        Assert.StartsWith("amonut names no property of TransactionItem.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_name_the_column_of_a_property_and_leave_other_names_as_they_are()
    {
        var columns = new CsvItemColumns<TransactionItem>(["external_id", "customer_external_id"], optional: ["cost"]);

        Assert.Equal(["customer_external_id", "cost", "occurredAt", ""], new[] { "customerExternalId", "cost", "occurredAt", "" }.Select(columns.ColumnOf));
    }
}
