// Small DOM helpers: elements, tables with their CSV download, and empty or failed states.
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

export interface Column<T> {
  title: string;
  cell: (row: T) => Child;
}

/** A table with a caption and a "Download CSV" button; ROW may make a row open something. */
export function table<T>(
  host: HTMLElement, caption: string, columns: Column<T>[], rows: T[],
  download: () => Promise<void> | void, open?: (row: T) => void,
): HTMLTableElement {
  const button = el("button", { type: "button", class: "csv" }, "Download CSV");
  button.setAttribute("aria-label", `Download CSV of ${caption}`);
  button.addEventListener("click", () => {
    Promise.resolve(download()).catch((e: unknown) => showStatus(String(e), true));
  });
  const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col" }, c.title)));
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr", {}, ...columns.map((c) => el("td", {}, c.cell(row))));
    if (open) {
      tr.className = "link";
      tr.addEventListener("click", () => open(row));
    }
    body.append(tr);
  }
  const t = el("table", {}, el("caption", { class: "visually-hidden" }, caption), el("thead", {}, head), body);
  host.replaceChildren(
    el("div", { class: "table-head" }, el("span", { class: "caption" }, caption), button),
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, t),
  );
  if (rows.length === 0) host.append(el("p", { class: "empty" }, "Nothing to show."));
  return t;
}

export function failed(host: HTMLElement, error: unknown): void {
  host.replaceChildren(el("p", { class: "status error" }, `Could not load: ${error instanceof Error ? error.message : String(error)}`));
}

export function showStatus(text: string, error = false): void {
  const status = byId("status");
  status.textContent = text;
  status.classList.toggle("error", error);
}
