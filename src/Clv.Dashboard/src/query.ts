/** What the controls ask for: figures as of a day, per month or quarter, optionally per channel. */
export interface Query {
  asOf: string;
  period: "month" | "quarter";
  perChannel: boolean;
}
