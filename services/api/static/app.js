// Data › Fetch history: the form, the plan preview, live job cards and the coverage table.
// Plain browser JavaScript on the JSON API; nothing to build.

const $ = (id) => document.getElementById(id);
// terminal: the event types that end a job, as GET /api/event-types names them.
const state = { token: localStorage.getItem("apiToken") || "", exchanges: [], pending: null, following: new Set(), terminal: new Set() };

class ApiFailure extends Error {
  constructor(status, body) {
    super(body.field ? `${body.field}: ${body.reason}` : body.reason || `HTTP ${status}`);
    this.status = status;
    this.code = body.error;
  }
}

function headers(json) {
  const out = { Accept: "application/json" };
  if (json) out["Content-Type"] = "application/json";
  if (state.token) out.Authorization = `Bearer ${state.token}`;
  return out;
}

async function api(path, body) {
  const init = body === undefined ? { headers: headers(false) }
    : { method: "POST", headers: headers(true), body: JSON.stringify(body) };
  const resp = await fetch(path, init);
  const data = await resp.json().catch(() => ({}));
  if (resp.status === 401) $("token-box").hidden = false;
  if (!resp.ok) throw new ApiFailure(resp.status, data);
  return data;
}

// --- formatting -------------------------------------------------------------------------------

const when = (iso) => (iso ? iso.replace("T", " ").replace(/:00Z$|Z$/, "") + " UTC" : "–");
const count = (n) => (n ?? 0).toLocaleString("en-US");

function duration(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// datetime-local inputs hold UTC wall-clock time here.
const toInput = (date) => date.toISOString().slice(0, 16);
const fromInput = (value) => (value ? `${value}:00Z` : null);

// --- the form ---------------------------------------------------------------------------------

async function loadExchanges() {
  state.exchanges = await api("/api/exchanges");
  $("exchange").replaceChildren(...state.exchanges.map((x) => el("option", { value: x.id }, x.name || x.id)));
  await onExchange();
}

async function onExchange() {
  const exchange = state.exchanges.find((x) => x.id === $("exchange").value);
  const markets = await api(`/api/markets?exchange=${encodeURIComponent(exchange.id)}`);
  $("symbol").replaceChildren(...markets.map((m) => el("option", { value: m.symbol }, m.symbol)));
  const timeframes = exchange.timeframes || [];
  $("timeframe").replaceChildren(...timeframes.map((t) => el("option", { value: t }, t)));
  if (timeframes.includes("1h")) $("timeframe").value = "1h";
  await loadCoverage();
}

function onJobType() {
  const rebuild = $("job_type").value === "trade_rebuild";
  document.querySelector('[data-for="trade_rebuild"]').hidden = !rebuild;
  $("seed_from_zip").disabled = rebuild;
  $("full_history").disabled = rebuild;
}

function formRequest(extra = {}) {
  const rebuild = $("job_type").value === "trade_rebuild";
  const options = rebuild ? { include_trades: $("include_trades").checked }
    : { seed_from_zip: $("seed_from_zip").checked, full_history: $("full_history").checked };
  const body = { exchange: $("exchange").value, symbol: $("symbol").value, timeframe: $("timeframe").value,
    job_type: $("job_type").value, options: { ...options, ...extra } };
  const start = fromInput($("start").value);
  const end = fromInput($("end").value);
  if (start && !(options.full_history)) body.start_timestamp = start;
  if (end) body.end_timestamp = end;
  return body;
}

function showError(error) {
  $("form-error").textContent = error ? String(error.message || error) : "";
  $("form-error").hidden = !error;
}

async function busy(work) {
  const buttons = document.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    showError(null);
    return await work();
  } catch (error) {
    showError(error);
    return null;
  } finally {
    buttons.forEach((b) => { b.disabled = b.id === "fetch" && state.nothingToDo; });
  }
}

// --- the plan ---------------------------------------------------------------------------------

function planRows(plan) {
  if (plan.job_type === "trade_rebuild") {
    const e = plan.estimate;
    const rows = [];
    if (e.dump_part) rows.push(el("tr", {}, el("td", { class: "kind" }, "dump"), el("td", {}, when(e.dump_part.start_timestamp)),
      el("td", {}, when(e.dump_part.end_timestamp)), el("td", {}, "0"), el("td", {}, ""), el("td", {}, ""),
      el("td", {}, "trading-history dump")));
    rows.push(el("tr", {}, el("td", { class: "kind" }, "trades"), el("td", {}, when(e.start_timestamp)),
      el("td", {}, when(e.end_timestamp)), el("td", {}, count(e.calls)), el("td", {}, `${count(e.trades)} trades`),
      el("td", {}, duration(e.seconds)), el("td", {}, `${count(e.density_per_hour)} trades an hour`)));
    return { rows, totals: { calls: e.calls, seconds: e.seconds, rows: null } };
  }
  const rows = plan.plan.segments.map((s) => el("tr", { class: `kind-${s.kind}` },
    el("td", { class: "kind" }, s.kind), el("td", {}, when(s.start_timestamp)), el("td", {}, when(s.end_timestamp)),
    el("td", {}, count(s.calls)), el("td", {}, count(s.rows)), el("td", {}, duration(s.seconds)),
    el("td", {}, s.note || s.dump || "")));
  return { rows, totals: plan.plan.totals };
}

function renderPlan(plan) {
  const { rows, totals } = planRows(plan);
  $("plan-range").textContent = `${plan.symbol} ${plan.timeframe}, ${when(plan.start_timestamp)} → ${when(plan.end_timestamp)}`;
  $("plan-rows").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 7 }, "nothing to do"))]));
  $("plan-totals").replaceChildren(el("tr", {}, el("th", {}, "total"), el("th", {}), el("th", {}),
    el("th", {}, count(totals.calls)), el("th", {}, totals.rows === null ? "" : count(totals.rows)),
    el("th", {}, duration(totals.seconds)), el("th", {})));
  // A plan with nothing to do says so, and Fetch stays disabled until the form changes.
  state.nothingToDo = Boolean(plan.nothing_to_do);
  $("plan-warning").hidden = !plan.needs_confirm && !plan.nothing_to_do;
  $("plan-warning").textContent = plan.nothing_to_do ? plan.message : plan.needs_confirm
    ? `This job needs about ${count(plan.calls)} Kraken calls (~${duration(totals.seconds)} at the rate limit), above the limit that asks for a confirmation.`
    : "";
  $("plan").hidden = false;
}

async function preview() {
  return busy(async () => {
    const plan = await api("/api/data-jobs", formRequest({ dry_run: true }));
    renderPlan(plan);
    return plan;
  });
}

// Fetch shows the plan first; a costly plan waits for "Start anyway".
async function fetchJob(event) {
  event.preventDefault();
  const plan = await preview();
  if (!plan || plan.nothing_to_do) return;
  if (plan.needs_confirm) {
    state.pending = formRequest({ confirm: true });
    $("confirm-box").hidden = false;
    return;
  }
  await submit(formRequest());
}

async function submit(body) {
  $("confirm-box").hidden = true;
  state.pending = null;
  await busy(async () => {
    const job = await api("/api/data-jobs", body);
    const card = jobCard({ id: job.id, status: job.status, symbol: body.symbol, timeframe: body.timeframe,
      job_type: body.job_type, start_timestamp: body.start_timestamp, end_timestamp: body.end_timestamp, progress: 0 });
    $("jobs").prepend(card);
    follow(job.id);
  });
}

// --- jobs -------------------------------------------------------------------------------------

function jobCard(job) {
  const card = el("article", { class: "job", id: `job-${job.id}`, "data-status": job.status },
    el("header", {},
      el("span", { class: `status status-${job.status}` }, job.status),
      el("strong", {}, `${job.symbol} ${job.timeframe}`),
      el("span", {}, job.job_type === "trade_rebuild" ? "rebuild from trades" : "candles"),
      el("span", { class: "range" }, `${when(job.start_timestamp)} → ${when(job.end_timestamp)}`),
      el("code", {}, job.id.slice(0, 8))),
    el("progress", { max: "1", value: String(job.progress || 0) }),
    el("p", { class: "line" }, ""),
    el("p", { class: "summary" }, ""),
    el("p", { class: "validation", hidden: "" }, ""),
    el("p", { class: "error", hidden: "" }, ""),
    el("p", { class: "actions" }, ...jobActions(job)));
  return card;
}

function setStatus(card, status) {
  card.dataset.status = status;
  const badge = card.querySelector(".status");
  badge.className = `status status-${status}`;
  badge.textContent = status;
}

function onEvent(card, event) {
  const d = event.data || {};
  const line = card.querySelector(".line");
  switch (event.type) {
    case "job.started": setStatus(card, "running"); break;
    case "job.progress":
      card.querySelector("progress").value = d.progress ?? 0;
      line.textContent = `${Math.round((d.progress ?? 0) * 100)}%` + (d.last_timestamp ? ` – fetched up to ${when(d.last_timestamp)}` : "");
      break;
    case "job.message": line.textContent = d.text; break;
    case "job.planned": line.textContent = `plan: ${d.segments.map((s) => s.kind).join(" → ") || "nothing to fetch"}`; break;
    default: break;
  }
}

// "12/12 match": a comparison report, or one per timeframe.
function checked(comparisons) {
  const reports = Object.entries(comparisons || {}).flatMap(([against, report]) => {
    if (!report) return [];
    const parts = "compared" in report ? [["", report]] : Object.entries(report);
    return parts.filter(([, c]) => c.compared).map(([tf, c]) => `${against.replace("with_", "")}${tf ? ` ${tf}` : ""} ${c.matched}/${c.compared} match`);
  });
  return reports.length ? `; checked: ${reports.join(", ")}` : "";
}

function showResult(card, job) {
  setStatus(card, job.status);
  card.querySelector("progress").value = job.progress;
  const r = job.result;
  if (job.status === "completed") {
    const gaps = r.not_fetched?.length ? `; not fetched: ${r.not_fetched.length} range(s)` : "";
    card.querySelector(".summary").textContent =
      `${count(r.rows)} rows stored, ${when(r.start_timestamp)} → ${when(r.end_timestamp)}, ${count(r.exchange_calls)} exchange calls${gaps}${checked(r.comparisons)}`;
  }
  if (job.error) {
    const error = card.querySelector(".error");
    error.textContent = job.error;
    error.hidden = false;
  }
  showValidation(card, job.validation);
  card.querySelector(".actions").replaceChildren(...jobActions(job));
}

// --- job actions: download, validate, resume, cancel -------------------------------------------

function jobActions(job) {
  const button = (cls, text, onclick) => el("button", { type: "button", class: cls, onclick }, text);
  if (job.status === "completed") {
    return [button("download-parquet", "Download Parquet", () => download(job, "parquet")), " ",
      button("download-csv", "Download CSV", () => download(job, "csv")), " ",
      button("validate", "Run validation", () => validate(job))];
  }
  if ((job.status === "failed" || job.status === "cancelled") && !job.parent_id) {
    return [button("resume", "Resume", () => resume(job))];
  }
  if (job.status === "queued" || job.status === "running") {
    return [button("cancel", "Cancel", () => busy(() => api(`/api/data-jobs/${job.id}/actions`, { action: "cancel" })))];
  }
  return [];
}

// Fetched with the token header, then saved from a blob: a plain link could not carry the token.
async function download(job, format) {
  await busy(async () => {
    const links = await api(`/api/data-jobs/${job.id}/actions`, { action: "download" });
    for (const link of links.downloads.filter((d) => d.format === format)) {
      const resp = await fetch(link.url, { headers: headers(false) });
      if (!resp.ok) throw new ApiFailure(resp.status, await resp.json().catch(() => ({})));
      const name = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "")?.[1] || `candles.${format}`;
      const url = URL.createObjectURL(await resp.blob());
      el("a", { href: url, download: name }).click();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }
  });
}

function showValidation(card, validation) {
  const line = card.querySelector(".validation");
  if (!validation) return;
  const reports = Object.entries(validation.reports || {});
  const text = {
    queued: "validation queued",
    running: "validating…",
    failed: `validation could not run: ${validation.error}`,
    completed: validation.ok
      ? `valid: ${reports.map(([tf, r]) => `${tf} ${count(r.rows)} candles`).join(", ")}`
      : `validation failed: ${reports.filter(([, r]) => !r.ok).map(([tf, r]) => `${tf} ${Object.entries(r.failed).map(([k, n]) => `${k} ${n}`).join(", ")}`).join("; ")}`,
  }[validation.status];
  line.textContent = text;
  line.className = `validation ${validation.status === "completed" && validation.ok ? "valid" : validation.status === "completed" || validation.status === "failed" ? "invalid" : ""}`;
  line.hidden = false;
}

async function validate(job) {
  const asked = await busy(() => api(`/api/data-jobs/${job.id}/actions`, { action: "validate" }));
  if (!asked) return;
  const card = $(`job-${job.id}`);
  for (;;) {
    const view = await api(`/api/data-jobs/${job.id}`);
    showValidation(card, view.validation);
    const v = view.validation;
    if (v && v.validation_id === asked.validation_id && (v.status === "completed" || v.status === "failed")) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await loadCoverage();
}

async function resume(job) {
  await busy(async () => {
    const resumed = await api(`/api/data-jobs/${job.id}/actions`, { action: "resume" });
    const view = await api(`/api/data-jobs/${resumed.id}`);
    $("jobs").prepend(jobCard(view));
    follow(resumed.id);
  });
}

// Server-Sent Events read with fetch, so the bearer token can go in a header; a dropped stream
// resumes after the last event seen (Last-Event-ID), as EventSource would.
async function follow(id) {
  if (state.following.has(id)) return;
  state.following.add(id);
  const card = $(`job-${id}`);
  let last = 0;
  let done = false;
  while (!done) {
    try {
      const resp = await fetch(`/api/data-jobs/${id}/events`, { headers: { ...headers(false), Accept: "text/event-stream", "Last-Event-ID": String(last) } });
      if (!resp.ok) throw new ApiFailure(resp.status, await resp.json().catch(() => ({})));
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        buffer += value.replace(/\r\n/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
          if (!data) continue;
          const event = JSON.parse(data);
          last = event.seq;
          onEvent(card, event);
          if (state.terminal.has(event.type)) done = true;
        }
      }
    } catch (error) {
      if (error instanceof ApiFailure && error.status < 500) break;
    }
    if (!done) await new Promise((r) => setTimeout(r, 1000));
  }
  state.following.delete(id);
  showResult(card, await api(`/api/data-jobs/${id}`));
  await loadCoverage();
}

async function loadJobs() {
  const jobs = await api("/api/data-jobs?limit=20");
  $("jobs").replaceChildren(...jobs.map(jobCard));
  for (const job of jobs) {
    if (job.status === "queued" || job.status === "running") follow(job.id);
    else showResult($(`job-${job.id}`), await api(`/api/data-jobs/${job.id}`));
  }
}

// --- coverage ---------------------------------------------------------------------------------

function refreshJob(row) {
  return { exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe, job_type: "fetch",
    options: { refresh: true } };
}

function coverageRow(row) {
  return el("tr", { "data-key": `${row.symbol} ${row.timeframe}` },
    el("td", {}, row.symbol), el("td", {}, row.timeframe), el("td", {}, when(row.start_timestamp)),
    el("td", {}, when(row.end_timestamp)), el("td", {}, count(row.rows)), el("td", {}, String(row.missing_stretches)),
    el("td", {}, when(row.last_sync_at)), el("td", {}, when(row.validated_at)),
    el("td", {},
      el("button", { type: "button", class: "refresh", onclick: () => submit(refreshJob(row)),
        "aria-label": `Refresh ${row.symbol} ${row.timeframe}` }, "Refresh"),
      " ",
      el("button", { type: "button", class: "prefill", onclick: () => prefill(row),
        "aria-label": `Extend ${row.symbol} ${row.timeframe}` }, "Extend")),
    el("td", {}, timeline(row)));
}

// The row's ledger as a bar, as the server summarised it: each stretch sized by its time and coloured
// by its state (data by source, no_trades, missing). A merged stretch says how many it stands for.
function stretchText(row, seg) {
  const what = seg.state === "data" ? `data from ${seg.source}` : seg.state.replace("_", " ");
  const merged = seg.stretches > 1
    ? `; ${seg.stretches} small stretches merged: ${Object.entries(seg.shares)
      .map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(", ")}` : "";
  return `${row.symbol} ${row.timeframe}: ${what}${seg.provisional ? " (provisional)" : ""}, `
    + `${when(seg.start_timestamp)} → ${when(seg.end_timestamp)}${merged}`;
}

function timeline(row) {
  const t0 = Date.parse(row.start_timestamp), span = Math.max(Date.parse(row.end_timestamp) - t0, 1);
  const bar = el("div", { class: "timeline", role: "list", "aria-label": `${row.symbol} ${row.timeframe} timeline` });
  for (const seg of row.timeline) {
    const width = (Date.parse(seg.end_timestamp) - Date.parse(seg.start_timestamp)) / span * 100;
    const text = stretchText(row, seg);
    const part = el("span", { class: `stretch ${seg.state} ${seg.source || ""}${seg.stretches > 1 ? " merged" : ""}`,
      role: "listitem", tabindex: "0", title: text, "aria-label": text, "data-state": seg.state,
      style: `width: ${width}%` });
    if (seg.state === "missing") {
      // Fetch exactly this stretch: the form takes its range.
      const fill = () => prefillRange(row, seg.start_timestamp, seg.end_timestamp);
      part.addEventListener("click", fill);
      part.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); fill(); } });
    }
    bar.append(part);
  }
  return bar;
}

function prefillRange(row, start, end) {
  $("symbol").value = row.symbol;
  $("timeframe").value = row.timeframe;
  $("start").value = start.slice(0, 16);
  $("end").value = end.slice(0, 16);
  $("start").focus();
}

// "Extend": the form picks up where the stored data ends.
function prefill(row) {
  $("symbol").value = row.symbol;
  $("timeframe").value = row.timeframe;
  $("start").value = row.end_timestamp.slice(0, 16);
  $("end").value = toInput(new Date());
  return preview();
}

async function loadCoverage() {
  const rows = await api(`/api/data-coverage?exchange=${encodeURIComponent($("exchange").value)}`);
  $("coverage-rows").replaceChildren(...(rows.length ? rows.map(coverageRow)
    : [el("tr", {}, el("td", { colspan: 10 }, "nothing stored yet"))]));
}

// --- start ------------------------------------------------------------------------------------

async function main() {
  const now = new Date();
  $("end").value = toInput(new Date(Math.floor(now / 3600000) * 3600000));
  $("start").value = toInput(new Date(Math.floor(now / 3600000) * 3600000 - 7 * 86400000));
  $("token").value = state.token;
  $("token").onchange = () => {
    state.token = $("token").value;
    localStorage.setItem("apiToken", state.token);
    busy(load);
  };
  $("exchange").onchange = () => busy(onExchange);
  $("job_type").onchange = onJobType;
  $("preview").onclick = preview;
  $("job-form").onsubmit = fetchJob;
  $("job-form").oninput = () => { state.nothingToDo = false; $("fetch").disabled = false; };
  $("confirm").onclick = () => submit(state.pending);
  $("cancel-confirm").onclick = () => { $("confirm-box").hidden = true; state.pending = null; };
  onJobType();
  await busy(load);
}

async function load() {
  state.terminal = new Set((await api("/api/event-types")).terminal);
  await loadExchanges();
  await loadJobs();
}

main();
