using System.Text;
using Clv.Api.Infrastructure;

namespace Clv.Api.Tests.Requests;

/// <summary>A CSV cell that holds a list or a map writes it as the JSON answer does.</summary>
public sealed class CsvCellTests
{
    [Fact]
    public void Money_in_a_list_cell_has_no_trailing_zeros()
    {
        // A customer's subscriptions in the one-customer CSV read "amount":5.0000 (the hostile-user pass of 2026-12-06).
        var line = new StringBuilder();

        CsvColumns.AppendField(line, new[] { new { plan = "pro", amount = 5.0000m, cost = 29.3300m } });

        Assert.Equal("\"[{\"\"plan\"\":\"\"pro\"\",\"\"amount\"\":5,\"\"cost\"\":29.33}]\"", line.ToString());
    }
}
