using System.Net;
using System.Text;
using Clv.Api.Tests.Infrastructure;
using Npgsql;

namespace Clv.Api.Tests.Ingestion;

public sealed class CsvImportTests(ClvApiFactory api) : IClassFixture<ClvApiFactory>
{
    private const string Header = "external_id,customer_external_id,occurred_at,type,amount,currency,cost";
    private readonly HttpClient _client = api.Client();

    [Fact]
    public async Task Errors_carry_line_numbers_with_the_header_as_line_one()
    {
        var csv = $"{Header}\nl-1,l-cust,2024-01-01T10:00:00Z,purchase,10,USD,\nl-2,l-cust,2024-01-01T10:00:00Z,purchase,abc,USD,\nl-3,l-cust,yesterday,purchase,1,USD,\n";

        var body = await (await _client.PostCsvAsync(csv)).JsonAsync();

        Assert.Equal(3, body.Long("received"));
        Assert.Equal(1, body.Long("inserted"));
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(3L, "amount"), (4L, "occurred_at")], errors);
    }

    [Fact]
    public async Task Crlf_line_ends_and_a_byte_order_mark_are_accepted()
    {
        var csv = "\uFEFF" + Header + "\r\nb-1,b-cust,2024-01-01T10:00:00Z,purchase,10.5,USD,4\r\nb-2,b-cust,2024-01-02T10:00:00Z,refund,0.5,USD,\r\n";

        var body = await (await _client.PostCsvAsync(csv)).JsonAsync();

        Assert.Equal(2, body.Long("inserted"));
        Assert.Equal(0, body.Long("rejected"));
        Assert.Equal(10m, await api.ScalarAsync<decimal>("SELECT net_revenue FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'b-cust'"));
    }

    [Fact]
    public async Task Quoted_fields_may_hold_commas_quotes_and_line_breaks_and_later_lines_keep_their_numbers()
    {
        var csv = $"{Header}\n\"q-1\",\"q,cust \"\"one\"\"\nsecond line\",2024-01-01T10:00:00Z,purchase,\"1.5\",USD,\nq-2,q-cust,2024-01-01T10:00:00Z,purchase,-1,USD,\n";

        var body = await (await _client.PostCsvAsync(csv)).JsonAsync();

        Assert.Equal(1, body.Long("inserted"));
        Assert.Equal(4, body.GetProperty("errors")[0].GetProperty("line").GetInt64());
        Assert.Equal(1, await api.ScalarAsync<long>("SELECT count(*) FROM customers WHERE external_id = E'q,cust \"one\"\\nsecond line'"));
    }

    [Fact]
    public async Task Header_without_a_required_column_is_400_problem_naming_it()
    {
        var problem = await (await _client.PostCsvAsync("external_id,customer_external_id,occurred_at,type,currency\nh-1,h,2024-01-01T00:00:00Z,purchase,USD\n"))
            .ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("amount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unclosed_quote_is_400_problem_naming_its_line()
    {
        var problem = await (await _client.PostCsvAsync($"{Header}\nu-0,u,2024-01-01T00:00:00Z,purchase,1,USD,\n\"u-1,u,2024-01-01T00:00:00Z,purchase,1,USD,\nu-2,u,2024-01-01T00:00:00Z,purchase,1,USD,\n"))
            .ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("Line 3: a quoted field is not closed.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_record_with_more_fields_than_the_header_is_400_problem_naming_its_line_and_stores_nothing_of_it()
    {
        // An amount with an unquoted thousands separator, in the last column: it was stored as 1, and 234.50 dropped.
        var csv = "external_id,customer_external_id,occurred_at,type,currency,amount\n"
            + "x-1,x-cust,2024-01-01T10:00:00Z,purchase,USD,1,234.50\n";

        var problem = await (await _client.PostCsvAsync(csv)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("Line 2: the record has 7 fields, the header 6; quote a field that holds a comma.", problem.GetProperty("detail").GetString());
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM transaction_keys WHERE external_id = 'x-1'"));
    }

    [Fact]
    public async Task Empty_fields_after_the_header_s_last_column_are_accepted()
    {
        var body = await (await _client.PostCsvAsync($"{Header}\ne-1,e-cust,2024-01-01T10:00:00Z,purchase,10,USD,,,\"\"\n")).JsonAsync();

        Assert.Equal((1L, 0L), (body.Long("inserted"), body.Long("rejected")));
    }

    [Fact]
    public async Task Invalid_utf8_is_400_problem()
    {
        var bytes = Encoding.UTF8.GetBytes($"{Header}\nv-1,").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes(",2024-01-01T00:00:00Z,purchase,1,USD,\n")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");

        await (await _client.PostAsync("/api/v1/transactions/import", content)).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Atomic_import_with_an_invalid_row_is_422_and_stores_nothing()
    {
        var csv = $"{Header}\nat-1,at-cust,2024-01-01T10:00:00Z,purchase,10,USD,\nat-2,at-cust,2024-01-01T10:00:00Z,sale,10,USD,\n";

        var problem = await (await _client.PostCsvAsync(csv, "?atomic=true")).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal(3, problem.GetProperty("errors")[0].GetProperty("line").GetInt64());
        Assert.Equal(0, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'at-%'"));
    }

    [Fact]
    public async Task Atomic_import_larger_than_a_chunk_is_stored_whole()
    {
        const int rows = 50_000 + 3;
        var csv = new StringBuilder(Header + "\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"ab-{i},ab-c{i % 500},2024-02-01T10:00:00Z,purchase,2,USD,\n");
        }

        var body = await (await _client.PostCsvAsync(csv.ToString(), "?atomic=true")).JsonAsync();

        Assert.Equal(rows, body.Long("inserted"));
        Assert.Equal(rows, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'ab-%'"));
    }

    [Fact]
    public async Task Import_larger_than_a_chunk_is_stored_whole_and_replays_as_duplicates()
    {
        var csv = new StringBuilder(Header + "\n");
        for (var i = 0; i < 120_000; i++)
        {
            csv.Append("big-").Append(i).Append(",big-c").Append(i % 5_000).Append(",2024-01-01T10:00:00Z,purchase,1.25,USD,\n");
        }

        var first = await (await _client.PostCsvAsync(csv.ToString())).JsonAsync();
        var replay = await (await _client.PostCsvAsync(csv.ToString())).JsonAsync();

        Assert.Equal(120_000, first.Long("inserted"));
        Assert.Equal(120_000, replay.Long("duplicates"));
        Assert.Equal(150_000m, await api.ScalarAsync<decimal>("SELECT sum(net_revenue) FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'big-c%'"));
    }

    [Fact]
    public async Task Malformed_quote_after_full_chunks_is_400_and_the_committed_chunks_replay_as_duplicates()
    {
        // 120,000 rows over 100 customers, split between the two writers by customer (docs/api.md:
        // FNV-1a of the id's UTF-8 bytes, modulo 2); each writer fills at least one 50,000-row chunk
        // before the bad line. Each writer keeps whole chunks only: a multiple of 50,000 of its rows,
        // or all of them.
        const int Rows = 120_000;
        var csv = new StringBuilder(Header + "\n");
        var perWriter = new int[2];
        for (var i = 0; i < Rows; i++)
        {
            csv.Append("mq-").Append(i).Append(",mq-c").Append(i % 100).Append(",2024-01-01T10:00:00Z,purchase,1,USD,\n");
            perWriter[ImportWriters.Of($"mq-c{i % 100}")]++;
        }

        Assert.All(perWriter, n => Assert.InRange(n, 50_000, Rows));
        var good = csv.ToString();
        csv.Append("mq-bad,\"mq-c1,2024-01-01T10:00:00Z,purchase,1,USD,\n");

        await (await _client.PostCsvAsync(csv.ToString())).ProblemAsync(HttpStatusCode.BadRequest);
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        var storedPerWriter = new long[2];
        await using (var command = new NpgsqlCommand(
            "SELECT c.external_id, count(*) FROM transactions t JOIN customers c ON c.id = t.customer_id WHERE t.external_id LIKE 'mq-%' GROUP BY 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                storedPerWriter[ImportWriters.Of(reader.GetString(0))] += reader.GetInt64(1);
            }
        }

        for (var w = 0; w < 2; w++)
        {
            Assert.True(storedPerWriter[w] % 50_000 == 0 || storedPerWriter[w] == perWriter[w], $"writer {w}: whole chunks only, got {storedPerWriter[w]} of {perWriter[w]}");
        }

        Assert.True(storedPerWriter.Sum() >= 50_000, "the chunks filled before the bad line are committed");
        var retry = await (await _client.PostCsvAsync(good)).JsonAsync();
        Assert.Equal(storedPerWriter.Sum(), retry.Long("duplicates"));
        Assert.Equal(Rows, await api.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE external_id LIKE 'mq-%'"));
    }

    [Theory]
    [InlineData("/api/v1/transactions/import")]
    [InlineData("/api/v1/feedback/import")]
    [InlineData("/api/v1/subscriptions/import")]
    public async Task Json_to_an_import_endpoint_is_415_problem_naming_csv(string path)
    {
        var response = await _client.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));

        // It said "Send the body as application/json." (the hostile-user pass of 2026-12-06).
        Assert.Equal("Send the body as text/csv.", (await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType)).GetProperty("detail").GetString());
    }

    /// <summary>The README's sample file (docs/sample-transactions.csv) imports as it stands: ten lines, none refused.</summary>
    [Fact]
    public async Task The_readmes_sample_file_imports_whole()
    {
        var csv = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "sample-transactions.csv"));

        var body = await (await _client.PostCsvAsync(csv)).JsonAsync();

        Assert.Equal(10, body.Long("inserted") + body.Long("duplicates"));
        Assert.Equal(0, body.Long("rejected"));
    }
}
