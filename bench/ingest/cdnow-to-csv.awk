# CDNOW_master.txt (customer_id yyyymmdd number_of_cds dollar_value, one header line) to the
# import CSV. Pass the master file once per copy: every copy gets its own customers (c<copy>-<id>)
# and transactions (t<copy>-<line>), so N copies hold N times the customers, not N times the rows
# of the same ones.
BEGIN {
    OFS = ","
    print "external_id", "customer_external_id", "occurred_at", "type", "amount", "currency"
}
# The file comes with CRLF line ends.
{ sub(/\r$/, "") }
FNR == 1 { copy++; next }
NF >= 4 {
    day = $2
    print "t" copy "-" (FNR - 1), "c" copy "-" $1,
        substr(day, 1, 4) "-" substr(day, 5, 2) "-" substr(day, 7, 2) "T12:00:00Z",
        "purchase", $4, "USD"
}
