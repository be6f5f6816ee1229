// The typed client of the REST API (types generated from openapi.json, the snapshot of the served
// document) and the key it sends. The key lives in sessionStorage only: never in a URL, gone when
// the tab closes.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./generated/api";

export type Schemas = components["schemas"];
export type Summary = Schemas["SummaryResponse"];
export type Segment = Schemas["SegmentResponse"];
export type Cohorts = Schemas["CohortsResponse"];
export type TimeSeries = Schemas["TimeSeriesResponse"];
export type Customer = Schemas["CustomerResponse"];
export type ModelRun = Schemas["ModelRunResponse"];
export type Holdout = Schemas["HoldoutDiagnostics"];

const keyName = "clv.apiKey";
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(keyName),
  set: (key: string): void => sessionStorage.setItem(keyName, key),
  clear: (): void => sessionStorage.removeItem(keyName),
};

/** An answer other than 2xx: the problem+json's title and detail, and the status. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const sendKey: Middleware = {
  onRequest({ request }) {
    const key = apiKey.get();
    if (key) request.headers.set("X-Api-Key", key);
    request.headers.set("Accept", "application/json");
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(sendKey);

/** The data of an openapi-fetch answer, or an ApiError with the problem's words. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  const problem = (error ?? {}) as { title?: string; detail?: string };
  throw new ApiError(response.status, [problem.title, problem.detail].filter(Boolean).join(": ") || response.statusText);
}

/**
 * Downloads PATH?QUERY as CSV (Accept: text/csv, with the key in its header) and saves it as
 * FILE. A link cannot carry the header, so the page fetches and hands the browser a Blob.
 */
export async function downloadCsv(path: string, query: Record<string, string | undefined>, file: string): Promise<void> {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  const headers = new Headers({ Accept: "text/csv" });
  const key = apiKey.get();
  if (key) headers.set("X-Api-Key", key);
  const response = await fetch(url, { headers });
  if (!response.ok) throw new ApiError(response.status, `CSV download failed (${response.status})`);
  saveFile(await response.blob(), file);
}

/** Saves text the page built itself (from figures the API returned) as a CSV file. */
export function saveCsv(rows: (string | number | null | undefined)[][], file: string): void {
  const cell = (v: string | number | null | undefined): string => {
    const text = v === null || v === undefined ? "" : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  saveFile(new Blob([rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n"], { type: "text/csv" }), file);
}

function saveFile(blob: Blob, file: string): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = file;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
