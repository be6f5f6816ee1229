# The import CSV's distinct customers as JSON bodies for POST /api/v1/customers, 10,000 per file
# (prefix given as -v out=...): channel and country spread over the customers by their number,
# one in ten without a channel. acquiredAt is left out: it follows the first transaction.
BEGIN {
    FS = ","
    split("search,social,email,referral,affiliate,display,partner,tv,podcast", channels, ",")
    split("US,DE,GB,FR,NL,CA,AU,JP", countries, ",")
}
NR == 1 || seen[$2]++ { next }
{
    if (n % 10000 == 0) {
        if (file) { print "]}" > file; close(file) }
        file = out "-" sprintf("%04d", n / 10000) ".json"
        printf "{\"customers\":[" > file
        sep = ""
    }
    number = n % 97
    channel = number % 10 == 9 ? "null" : "\"" channels[number % 9 + 1] "\""
    printf "%s{\"externalId\":\"%s\",\"acquisitionChannel\":%s,\"country\":\"%s\"}", sep, $2, channel, countries[number % 8 + 1] > file
    sep = ","
    n++
}
END { if (file) print "]}" > file }
