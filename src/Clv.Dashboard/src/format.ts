// How figures are written. Tiles and tables show every figure at a fixed precision so that a
// reader (and the dashboard's tests) can tell the number the API returned.
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent1 = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

// A formatter takes a while to build (its locale data): one per currency, kept.
const money = new Map<string, Intl.NumberFormat>();
function moneyFormat(currency: string): Intl.NumberFormat {
  let f = money.get(currency);
  if (!f) money.set(currency, f = new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  return f;
}

export const dash = "–";
type N = number | null | undefined;

export const fmt = {
  count: (v: N): string => (v == null ? dash : integer.format(v)),
  money: (v: N, currency = "USD"): string =>
    v == null ? dash : moneyFormat(currency).format(v),
  rate: (v: N): string => (v == null ? dash : percent1.format(v)),
  ratio: (v: N): string => (v == null ? dash : `${decimal2.format(v)}×`),
  months: (v: N): string => (v == null ? dash : `${integer.format(v)} mo`),
  number: (v: N): string => (v == null ? dash : decimal2.format(v)),
  probability: (v: N): string => (v == null ? dash : decimal2.format(v * 100) + "%"),
};

/** Health band names as the API spells them, for people. */
export const bandText: Record<string, string> = {
  losing: "losing", weak: "weak", healthy: "healthy", underInvesting: "under-investing",
  good: "good", acceptable: "acceptable", poor: "poor",
};
