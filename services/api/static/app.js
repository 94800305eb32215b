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
    this.field = body.field;
    this.reason = body.reason;
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
  if (seconds < 3 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
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
  if (markets.length) $("symbol").value = markets[0].symbol;
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
  const body = { exchange: $("exchange").value, job_type: $("job_type").value, options: { ...options, ...extra } };
  // Several pairs or timeframes picked (Ctrl/Shift-click): a batch, one request for all of them.
  for (const [one, many] of [["symbol", "symbols"], ["timeframe", "timeframes"]]) {
    const picked = [...$(one).selectedOptions].map((o) => o.value);
    if (picked.length > 1) body[many] = picked;
    else body[one] = picked[0] ?? "";
  }
  const start = fromInput($("start").value);
  const end = fromInput($("end").value);
  if (start && !(options.full_history)) body.start_timestamp = start;
  if (end) body.end_timestamp = end;
  return body;
}

// The request's fields as the API names them, and the inputs that hold them.
const FIELD_INPUTS = { exchange: "exchange", symbol: "symbol", timeframe: "timeframe", job_type: "job_type",
  start_timestamp: "start", end_timestamp: "end", "options.full_history": "full_history",
  "options.seed_from_zip": "seed_from_zip", "options.include_trades": "include_trades" };

function clearFieldErrors() {
  for (const input of document.querySelectorAll("#job-form [aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  for (const note of document.querySelectorAll("#job-form .field-error")) note.remove();
}

// A refusal that names a field of the form is shown at that field, which is marked invalid; any other
// error goes in the line under the form.
function showError(error) {
  clearFieldErrors();
  const input = error?.field && $(FIELD_INPUTS[error.field] || "");
  if (input) {
    const note = el("span", { class: "field-error", id: `${input.id}-error`, role: "alert" }, error.reason);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    input.closest("label").append(note);
  }
  $("form-error").textContent = error && !input ? String(error.message || error) : "";
  $("form-error").hidden = !error || Boolean(input);
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
  if (plan.job_type === "batch") {
    const rows = plan.children.map((c) => el("tr", { class: `kind-${c.job_type}` },
      el("td", { class: "kind" }, c.job_type === "fetch" ? "fetch" : "trades"), el("td", {}, when(c.start_timestamp)),
      el("td", {}, when(c.end_timestamp)), el("td", {}, count(c.calls)), el("td", {}, count(c.rows)),
      el("td", {}, duration(c.seconds)), el("td", {}, `${c.symbol} ${c.timeframes.join(", ")}`)));
    return { rows, totals: plan.totals };
  }
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
  const what = plan.job_type === "batch" ? `batch of ${plan.children.length} jobs: ${plan.symbols.join(", ")} × ${plan.timeframes.join(", ")}`
    : `${plan.symbol} ${plan.timeframe}`;
  $("plan-range").textContent = `${what}, ${when(plan.start_timestamp)} → ${when(plan.end_timestamp)}`;
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
    // The job's own view: the range it resolved (a refresh asks for none) and what it is.
    const card = jobCard(await api(`/api/data-jobs/${job.id}`));
    $("jobs").prepend(card);
    follow(job.id);
  });
}

// --- jobs -------------------------------------------------------------------------------------

// "BTC/USD 1h job 1a2b3c4d": how the card's controls name the job they act on.
const jobName = (job) => `${job.symbol} ${job.timeframe} job ${job.id.slice(0, 8)}`;

function jobCard(job) {
  // aria-live: a screen reader hears the card's changes (status, messages, summary) as they come.
  const card = el("article", { class: "job", id: `job-${job.id}`, "data-status": job.status, "aria-live": "polite",
    "aria-label": jobName(job) },
    el("header", {},
      el("span", { class: `status status-${job.status}` }, job.status),
      el("strong", {}, `${job.symbol} ${job.timeframe}`),
      el("span", {}, job.job_type === "trade_rebuild" ? "rebuild from trades" : "candles"),
      el("span", { class: "range" }, `${when(job.start_timestamp)} → ${when(job.end_timestamp)}`),
      el("code", {}, job.id.slice(0, 8))),
    el("progress", { max: "1", value: String(job.progress || 0), "aria-label": `Progress of ${jobName(job)}` }),
    el("p", { class: "line" }, ""),
    el("details", { class: "log", ontoggle: (e) => { if (e.target.open) fillLog(card, job.id); } },
      el("summary", {}, "Log"), el("ol", {})),
    el("p", { class: "summary" }, ""),
    el("p", { class: "validation", hidden: "" }, ""),
    el("ul", { class: "children", hidden: "" }),
    el("p", { class: "error", hidden: "" }, ""),
    el("p", { class: "actions" }, ...jobActions(job)),
    el("div", { class: "dataset", hidden: "" }),
    // A planned fetch's child rebuilds, each its own card (its actions) inside its parent's.
    el("div", { class: "nested", hidden: "", "aria-label": `Child jobs of ${jobName(job)}` }));
  card.dataset.startedAt = job.started_at || "";
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
    case "job.started":
      setStatus(card, "running");
      card.dataset.startedAt = card.dataset.startedAt || event.ts;
      break;
    case "job.progress":  // a batch's and a planned fetch's too: weighted by the plan, children included
      card.querySelector("progress").value = d.progress ?? 0;
      line.textContent = `${Math.round((d.progress ?? 0) * 100)}%` + (d.last_timestamp ? ` – fetched up to ${when(d.last_timestamp)}` : "")
        + etaText(card, d.progress ?? 0, event.ts);
      break;
    case "job.message": line.textContent = logText(event); break;
    case "job.planned":
      line.textContent = logText(event);
      card.dataset.planSeconds = String(d.totals?.seconds ?? "");
      break;
    // A batch or a planned fetch: its progress and its children's are in its view.
    case "children.planned": case "child.progress": case "child.completed": case "child.ended": case "job.fetched":
      api(`/api/data-jobs/${event.job_id}`).then((view) => showProgress(card, view)).catch(() => {});
      break;
    default: break;
  }
  const text = logText(event);
  if (text) logLine(card, event, text);
}

// The time left: the plan's estimate at first, the rate so far more and more as the job gets on.
function etaText(card, progress, at) {
  const started = Date.parse(card.dataset.startedAt || "");
  const plan = Number(card.dataset.planSeconds || NaN);
  if (!started || progress >= 1) return "";
  const elapsed = Math.max(0, (Date.parse(at || "") || Date.now()) - started) / 1000;
  const byPlan = Number.isFinite(plan) ? Math.max(0, plan - elapsed) : null;
  const byRate = progress > 0 ? elapsed * (1 - progress) / progress : null;
  if (byPlan === null && byRate === null) return "";
  const left = byPlan === null ? byRate : byRate === null ? byPlan : (1 - progress) * byPlan + progress * byRate;
  card.dataset.eta = String(Math.round(left));
  return ` – ETA ${duration(left)}`;
}

// A running job's view: its weighted progress with an ETA, a batch's children, a planned fetch's rebuilds.
function showProgress(card, job) {
  setStatus(card, job.status);  // a view read as the job completes says so with its 100%
  card.querySelector("progress").value = job.progress;
  card.dataset.startedAt = job.started_at || card.dataset.startedAt || "";
  if (job.result?.plan?.totals) card.dataset.planSeconds = String(job.result.plan.totals.seconds ?? "");
  if (job.status === "running") {
    card.querySelector(".line").textContent = `${Math.round(job.progress * 100)}%` + etaText(card, job.progress);
  }
  if (!showBatch(card, job)) nestChildren(card, job);
}

// A planned fetch's child rebuilds (result.children), each its own card nested in the parent's.
function nestChildren(card, job) {
  if (job.options?.batch) return;
  const box = card.querySelector(".nested");
  for (const child of job.result?.children || []) {
    const existing = $(`job-${child.id}`);
    if (existing) {
      if (existing.parentElement !== box) box.append(existing);
    } else {
      const stub = jobCard({ ...job, id: child.id, job_type: "trade_rebuild", status: child.status,
        progress: child.progress ?? 0, parent_id: job.id, started_at: null });
      box.append(stub);
      api(`/api/data-jobs/${child.id}`).then((view) => {
        stub.querySelector(".range").textContent = `${when(view.start_timestamp)} → ${when(view.end_timestamp)}`;
        if (view.status === "queued" || view.status === "running") follow(child.id);
        else showResult(stub, view);
      }).catch(() => {});
    }
    box.hidden = false;
  }
}

// What the card's log says of an event: its messages, its plan and its end.
function logText(event) {
  const d = event.data || {};
  if (event.type === "job.message") return d.text;
  if (event.type === "job.planned") return `plan: ${d.segments.map((s) => s.kind).join(" → ") || "nothing to fetch"}`;
  if (state.terminal.has(event.type)) return event.type.replace("job.", "job ");
  return null;
}

// A card shown after a reload, of a job that has ended, reads its log from the stored events once.
async function fillLog(card, id) {
  if (card.dataset.logged) return;
  card.dataset.logged = "1";
  await readEvents(id, 0, (event) => {
    const text = logText(event);
    if (text) logLine(card, event, text);
  }).catch(() => { delete card.dataset.logged; });
}

// The card's log keeps every message, not only the latest; a replayed event (a reconnect) is not repeated.
function logLine(card, event, text) {
  const log = card.querySelector(".log ol");
  if (event.seq !== undefined && log.querySelector(`[data-seq="${event.seq}"]`)) return;
  const at = event.ts;
  log.append(el("li", { "data-seq": String(event.seq ?? "") }, at ? `${when(at)}: ${text}` : text));
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

// A batch parent: what it asked for, and each child with its status.
function showBatch(card, job) {
  const batch = job.options?.batch;
  if (!batch) return false;
  card.querySelector("header strong").textContent = `batch: ${batch.symbols.join(", ")} × ${batch.timeframes.join(", ")}`;
  card.querySelector("progress").value = job.progress;
  const list = card.querySelector(".children");
  list.replaceChildren(...job.result.children.map((c) => el("li", { "data-status": c.status },
    `${c.job_type === "fetch" ? "fetch" : "trades"} ${c.symbol} ${c.timeframes.join(", ")} ${when(c.start_timestamp)} → `
    + `${when(c.end_timestamp)}: ${c.done_by ? "completed before" : c.status}`
    + (c.status === "running" ? ` ${Math.round(c.progress * 100)}%` : ""))));
  list.hidden = !job.result.children.length;
  return true;
}

function showResult(card, job) {
  setStatus(card, job.status);
  card.querySelector(".range").textContent = `${when(job.start_timestamp)} → ${when(job.end_timestamp)}`;
  card.querySelector("progress").value = job.progress;
  const r = job.result;
  if (!showBatch(card, job)) nestChildren(card, job);
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
  const button = (cls, text, onclick) => el("button", { type: "button", class: cls, onclick,
    "aria-label": `${text} of ${jobName(job)}` }, text);
  if (job.status === "completed" && job.options?.batch) return [];  // each child has its own candles
  if (job.status === "completed") {
    return [button("download-parquet", "Download Parquet", () => download(job, "parquet")), " ",
      button("download-csv", "Download CSV", () => download(job, "csv")), " ",
      button("validate", "Run validation", () => validate(job)), " ",
      button("chart", "Chart", () => showChart(job, job.start_timestamp, job.end_timestamp)), " ",
      button("link-dataset", "Link to RL dataset", () => linkDataset($(`job-${job.id}`).querySelector(".dataset"),
        job.exchange, job.symbol, job.timeframe, job.start_timestamp, job.end_timestamp))];
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
// One pass over a job's event stream after `last`; onEach sees each event. Ends when the stream does.
async function readEvents(id, last, onEach) {
  const resp = await fetch(`/api/data-jobs/${id}/events`, { headers: { ...headers(false), Accept: "text/event-stream", "Last-Event-ID": String(last) } });
  if (!resp.ok) throw new ApiFailure(resp.status, await resp.json().catch(() => ({})));
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) return;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (data) onEach(JSON.parse(data));
    }
  }
}

async function follow(id) {
  if (state.following.has(id)) return;
  state.following.add(id);
  const card = $(`job-${id}`);
  card.dataset.logged = "1";  // following fills the log as it goes
  let last = 0;
  let done = false;
  while (!done) {
    try {
      await readEvents(id, last, (event) => {
        last = event.seq;
        onEvent(card, event);
        if (state.terminal.has(event.type)) done = true;
      });
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
  const views = new Map();
  for (const job of jobs) views.set(job.id, await api(`/api/data-jobs/${job.id}`));
  // A planned fetch's child rebuild sits inside its parent's card, after a reload too (parent_id); a
  // batch lists its children itself.
  for (const job of jobs) {
    const parent = views.get(job.parent_id);
    if (parent && !parent.options?.batch) {
      const box = $(`job-${parent.id}`).querySelector(".nested");
      box.append($(`job-${job.id}`));
      box.hidden = false;
    }
  }
  for (const job of jobs) {
    const view = views.get(job.id);
    if (job.status === "queued" || job.status === "running") {
      showProgress($(`job-${job.id}`), view);
      follow(job.id);
    } else showResult($(`job-${job.id}`), view);
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
        "aria-label": `Extend ${row.symbol} ${row.timeframe}` }, "Extend"),
      " ",
      el("button", { type: "button", class: "chart", onclick: () => showChart(row),
        "aria-label": `Chart ${row.symbol} ${row.timeframe}` }, "Chart"),
      " ",
      el("button", { type: "button", class: "link-dataset", onclick: () => linkDataset($("dataset"), row.exchange,
        row.symbol, row.timeframe, row.start_timestamp, row.end_timestamp),
        "aria-label": `Link ${row.symbol} ${row.timeframe} to an RL dataset` }, "Link to RL dataset")),
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

// --- chart ------------------------------------------------------------------------------------
// Candlesticks with volume, from /api/chart: a bounded number of points, downsampled on the server
// at coarse zoom; zooming in asks again for the visible range at a finer grain.

const CHART_POINTS = 600;
const chart = { view: null, candles: null, volume: null, row: null, bucket: 0, timer: null };

function chartLibrary() {
  if (window.LightweightCharts) return Promise.resolve(window.LightweightCharts);
  return new Promise((resolve, reject) => {
    const script = el("script", { src: "/static/lightweight-charts.js" });
    script.onload = () => resolve(window.LightweightCharts);
    script.onerror = () => reject(new Error("the charting library is not installed (make install runs npm ci)"));
    document.head.append(script);
  });
}

async function showChart(row, start, end) {
  $("chart-panel").hidden = false;
  try {
    const lib = await chartLibrary();
    if (!chart.view) {
      chart.view = lib.createChart($("chart"), { autoSize: true, timeScale: { timeVisible: true },
        layout: { attributionLogo: false } });
      chart.candles = chart.view.addSeries(lib.CandlestickSeries, {});
      chart.volume = chart.view.addSeries(lib.HistogramSeries, { priceScaleId: "", priceFormat: { type: "volume" } });
      chart.volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
      chart.view.timeScale().subscribeVisibleTimeRangeChange(zoomed);
    }
    chart.row = row;
    await loadChart(start, end, true);
  } catch (err) {
    $("chart-status").textContent = `No chart: ${err.data?.reason || err.message}`;
  }
}

async function loadChart(start, end, fit) {
  const { row } = chart;
  const query = new URLSearchParams({ exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe,
    points: String(CHART_POINTS) });
  if (start) query.set("start", start);
  if (end) query.set("end", end);
  const data = await api(`/api/chart?${query}`);
  chart.bucket = data.bucket_s;
  chart.candles.setData(data.points.map(([time, open, high, low, close]) => ({ time, open, high, low, close })));
  chart.volume.setData(data.points.map(([time, open, , , close, value]) => ({
    time, value, color: close >= open ? "rgba(38,166,154,.5)" : "rgba(239,83,80,.5)" })));
  if (fit) chart.view.timeScale().fitContent();
  const box = $("chart");
  box.dataset.points = String(data.points.length);
  box.dataset.bucket = String(data.bucket_s);
  const grain = data.downsampled ? `one point per ${duration(data.bucket_s)} (downsampled; zoom in for more)`
    : `one candle per ${duration(data.bucket_s)}`;
  box.setAttribute("aria-label", `${row.symbol} ${row.timeframe} candles, ${when(data.start_timestamp)} to ${when(data.end_timestamp)}`);
  $("chart-status").textContent = `${row.symbol} ${row.timeframe}: ${count(data.points.length)} points, `
    + `${when(data.start_timestamp)} → ${when(data.end_timestamp)}, ${grain}`;
}

// Zoomed in far enough that the visible range would hold fewer points than it could: ask for it finer.
function zoomed(range) {
  clearTimeout(chart.timer);
  if (!range || !chart.row) return;
  chart.timer = setTimeout(() => {
    const seconds = range.to - range.from;
    if (seconds / chart.bucket >= CHART_POINTS / 3) return;
    const iso = (s) => new Date(s * 1000).toISOString();
    loadChart(iso(range.from - seconds / 2), iso(range.to + seconds / 2), false)
      .catch((err) => { $("chart-status").textContent = `No chart: ${err.data?.reason || err.message}`; });
  }, 400);
}

// --- datasets: "Link to RL dataset" -----------------------------------------------------------

// The frozen snapshot of a range: created, or the one with the same content found (the API answers
// both alike); a range with parts not stored is refused with the API's reason.
async function linkDataset(target, exchange, symbol, timeframe, start, end) {
  const name = `${symbol} ${timeframe} ${start} to ${end}`.slice(0, 64);
  const body = await busy(() => api("/api/datasets", { name, exchange, symbols: [symbol], timeframes: [timeframe],
    start_timestamp: start, end_timestamp: end }));
  if (!body) return;
  target.replaceChildren(datasetBox(body));
  target.hidden = false;
}

function datasetBox({ dataset, created }) {
  const files = dataset.manifest.files;
  const rows = files.reduce((n, f) => n + f.rows, 0);
  const sources = ["zip", "trades", "rest"].map((s) => `${s} ${count(files.reduce((n, f) => n + f.sources[s], 0))}`);
  const snippet = el("pre", { class: "snippet" }, dataset.snippets.polars);
  const library = el("select", { class: "snippet-library", onchange: () => { snippet.textContent = dataset.snippets[library.value]; } },
    ...Object.keys(dataset.snippets).map((k) => el("option", { value: k }, k)));
  return el("div", {},
    el("p", {}, `Dataset ${created ? "created" : "found (same content)"}: `, el("code", { class: "dataset-id" }, dataset.id)),
    el("p", { class: "manifest" }, `${files.length} file(s), ${count(rows)} candles (${sources.join(", ")}), `,
      `${when(dataset.manifest.request.start_timestamp)} → ${when(dataset.manifest.request.end_timestamp)}; `,
      el("a", { href: dataset.manifest_url, target: "_blank" }, "manifest")),
    el("label", {}, "Load with ", library), snippet);
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
