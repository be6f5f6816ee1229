using System.Globalization;
using System.Text;
using Clv.Api.Requests;

namespace Clv.Api.Tests.Requests;

/// <summary>
/// A number's text against the decimal parsed from it. The expected answers are written from the
/// decimal type's documented range (a 96-bit integer over 10^0..10^28), not from the parser.
/// </summary>
public sealed class ExactDecimalTests
{
    [Theory]
    [InlineData("12.50", true)]
    [InlineData("0", true)]
    [InlineData("-0.0000", true)]
    [InlineData("1E+2", true)]
    [InlineData("1.5e2", true)]
    [InlineData("0e-999999", true)]
    [InlineData("10.000000000000000000000000000000000", true)]
    [InlineData("0.0000000000000000000000000001", true)]
    [InlineData("79228162514264337593543950335", true)]
    [InlineData("7.9228162514264337593543950335", true)]
    [InlineData("1e-29", false)]
    [InlineData("0.00000000000000000000000000001", false)]
    [InlineData("1.00000000000000000000000000001", false)]
    [InlineData("12345678901234567890123456789.5", false)]
    public void A_number_is_exact_only_when_the_decimal_holds_every_digit(string text, bool exact)
    {
        Assert.True(decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value));

        Assert.Equal(exact, ExactDecimal.IsExact(text, value));
        Assert.Equal(exact, ExactDecimal.IsExact(Encoding.ASCII.GetBytes(text), value));
    }
}
