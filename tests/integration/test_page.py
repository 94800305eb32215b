"""The web page in a real browser (Debian's Chromium, driven by Playwright) against the whole system: the
plan is shown before a job runs, a costly one waits for confirmation, the job card follows the job to
its end, coverage lists what was stored, a bad request shows the API's reason, a completed job is
validated and downloaded from its card, and a queued one is cancelled from it."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp
import pytest
from playwright.async_api import expect

from tests.integration.client import follow, get_json, lake_rows, submit
from tests.integration.system import isolated_system
from tests.integration.times import NOW, iso

CONFIRM_CALLS = 30
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
async def system(simulator, tmp_path_factory):
    async with isolated_system(simulator.url, tmp_path_factory, REBUILD_CONFIRM_CALLS=str(CONFIRM_CALLS)) as system:
        yield system


@pytest.fixture(scope="module")
async def page(system, chromium):
    page = await chromium.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)  # jobs take their time on a busy machine
    await page.goto(f"{system.api}/")
    await expect(page.locator("#symbol option[value='BTC/USD']")).to_be_attached()
    yield page
    await page.close()


def local(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")  # a datetime-local input's value, read as UTC


async def fill(page, *, symbol: str | list[str], timeframe: str, start, end, job_type: str = "fetch") -> None:
    await page.select_option("#job_type", job_type)
    await page.select_option("#symbol", symbol)
    await page.select_option("#timeframe", timeframe)
    await page.fill("#start", local(start))
    await page.fill("#end", local(end))


async def test_the_plan_shows_before_the_job_and_the_card_follows_it_to_the_end(page, system):
    start, end = NOW - timedelta(days=3), NOW
    await fill(page, symbol="BTC/USD", timeframe="1h", start=start, end=end)
    await page.click("#preview")
    await expect(page.locator("#plan")).to_be_visible()
    async with aiohttp.ClientSession() as http:
        payload = {"exchange": "kraken", "symbol": "BTC/USD", "timeframe": "1h", "job_type": "fetch",
                   "start_timestamp": iso(start), "end_timestamp": iso(end),
                   "options": {"seed_from_zip": True, "full_history": False, "dry_run": True}}
        async with http.post(f"{system.api}/api/data-jobs", json=payload) as resp:
            plan = await resp.json()
    shown = await page.locator("#plan-rows .kind").all_text_contents()
    assert shown == [s["kind"] for s in plan["plan"]["segments"]] and "rest" in shown
    assert await page.locator("#plan-totals th").nth(3).text_content() == f"{plan['plan']['totals']['calls']:,}"
    assert await get_json(system.api, "/api/data-jobs") == []  # a preview runs nothing

    await page.click("#fetch")
    card = page.locator(".job").first
    await expect(card).to_have_attribute("data-status", "completed")
    (job,) = await get_json(system.api, "/api/data-jobs")
    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["result"]["rows"] > 0
    await expect(card.locator(".summary")).to_contain_text(f"{view['result']['rows']:,} rows stored")
    assert await card.locator("progress").evaluate("p => p.value") == 1

    row = page.locator("#coverage-rows tr[data-key='BTC/USD 1h']")
    await expect(row).to_contain_text(f"{view['result']['rows']:,}")
    await expect(row).to_contain_text(view["result"]["start_timestamp"].replace("T", " ")[:16])

    # Refresh: from the stored end up to Kraken's last closed candle, straight from the coverage row.
    await row.locator("button.refresh").click()
    await expect(page.locator(".job")).to_have_count(2)
    await expect(page.locator(".job").first).to_have_attribute("data-status", "completed")
    refresh = (await get_json(system.api, "/api/data-jobs"))[0]
    assert refresh["id"] != job["id"] and refresh["start_timestamp"] == view["result"]["end_timestamp"]
    # Its card shows the range the job resolved, not "– → –".
    shown = " → ".join(re.sub(r":00Z$|Z$", "", refresh[k].replace("T", " ")) + " UTC"
                       for k in ("start_timestamp", "end_timestamp"))
    await expect(page.locator(".job").first.locator(".range").first).to_have_text(shown)


async def test_a_costly_rebuild_waits_for_confirmation(page, system):
    start, end = NOW - timedelta(days=40), NOW - timedelta(days=10)
    await fill(page, symbol="ETH/USD", timeframe="1h", start=start, end=end, job_type="trade_rebuild")
    jobs_before = len(await get_json(system.api, "/api/data-jobs"))
    await page.click("#fetch")
    await expect(page.locator("#plan-warning")).to_contain_text("Kraken calls")
    await expect(page.locator("#confirm")).to_be_visible()
    calls = int((await page.locator("#plan-rows td").nth(3).text_content()).replace(",", ""))
    assert calls > CONFIRM_CALLS
    assert len(await get_json(system.api, "/api/data-jobs")) == jobs_before  # nothing runs unconfirmed

    await page.click("#confirm")
    card = page.locator(".job").first
    await expect(card).to_contain_text("ETH/USD 1h")
    await expect(card).to_have_attribute("data-status", "completed")
    await expect(page.locator("#confirm-box")).to_be_hidden()
    jobs = await get_json(system.api, "/api/data-jobs")
    assert len(jobs) == jobs_before + 1 and jobs[0]["job_type"] == "trade_rebuild"


async def test_a_bad_request_shows_the_field_and_the_reason(page, system):
    await fill(page, symbol="BTC/USD", timeframe="1h", start=NOW - timedelta(days=1), end=NOW - timedelta(days=2))
    jobs_before = len(await get_json(system.api, "/api/data-jobs"))
    await page.click("#fetch")
    # The API's reason, at the field it names, which is marked invalid.
    await expect(page.locator("#end")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#end-error")).to_have_text("must be after start_timestamp")
    assert await page.get_attribute("#end", "aria-describedby") == "end-error"
    assert await page.get_attribute("#start", "aria-invalid") is None
    assert len(await get_json(system.api, "/api/data-jobs")) == jobs_before
    # Put right, the mark goes.
    await page.fill("#end", local(NOW))
    await page.click("#preview")
    await expect(page.locator("#plan")).to_be_visible()
    assert await page.get_attribute("#end", "aria-invalid") is None and await page.locator("#end-error").count() == 0


async def test_a_completed_job_is_validated_and_downloaded_from_its_card(page, system):
    card = page.locator(".job[data-status='completed']", has_text="BTC/USD 1h").last
    job_id = (await card.get_attribute("id")).removeprefix("job-")
    await card.locator("button.validate").click()
    await expect(card.locator(".validation")).to_have_class("validation valid")
    view = await get_json(system.api, f"/api/data-jobs/{job_id}")
    rows = view["validation"]["reports"]["1h"]["rows"]
    assert view["validation"]["ok"] and rows > 0
    await expect(card.locator(".validation")).to_have_text(f"valid: 1h {rows:,} candles")
    row = page.locator("#coverage-rows tr[data-key='BTC/USD 1h']")
    await expect(row.locator("td").nth(7)).not_to_have_text("–")  # validated_at

    async with page.expect_download() as waiting:
        await card.locator("button.download-csv").click()
    download = await waiting.value
    lines = (await download.path()).read_text().splitlines()
    assert download.suggested_filename.endswith(".csv") and lines[0].startswith("ts,open,high,low,close")
    assert len(lines) == rows + 1


async def test_link_to_rl_dataset_on_a_card_and_a_coverage_row_shows_the_dataset_and_its_snippet(page, system):
    card = page.locator(".job[data-status='completed']", has_text="BTC/USD 1h").last
    job = await get_json(system.api, f"/api/data-jobs/{(await card.get_attribute('id')).removeprefix('job-')}")
    await card.locator("button.link-dataset").click()
    box = card.locator(".dataset")
    await expect(box).to_contain_text("Dataset created")
    dataset_id = await box.locator(".dataset-id").text_content()
    dataset = await get_json(system.api, f"/api/datasets/{dataset_id}")
    (file,) = dataset["manifest"]["files"]
    assert dataset["manifest"]["request"]["start_timestamp"] == job["start_timestamp"] and file["rows"] > 0
    await expect(box.locator(".manifest")).to_contain_text(f"1 file(s), {file['rows']:,} candles")
    await expect(box.locator(".snippet")).to_have_text(dataset["snippets"]["polars"])
    await box.locator(".snippet-library").select_option("duckdb")
    await expect(box.locator(".snippet")).to_have_text(dataset["snippets"]["duckdb"])
    await card.locator("button.link-dataset").click()  # the same range again: the same dataset, found
    await expect(box).to_contain_text(f"Dataset found (same content): {dataset_id}")

    row = page.locator("#coverage-rows tr[data-key='BTC/USD 1h']")
    await row.locator("button.link-dataset").click()
    panel = page.locator("#dataset")
    await expect(panel.locator(".dataset-id")).to_have_text(re.compile("^[0-9a-f]{32}$"))
    coverage = [r for r in await get_json(system.api, "/api/data-coverage?exchange=kraken&symbol=BTC/USD&timeframe=1h")]
    shown = await get_json(system.api, f"/api/datasets/{await panel.locator('.dataset-id').text_content()}")
    assert shown["manifest"]["request"]["end_timestamp"] == coverage[0]["end_timestamp"]


async def test_a_queued_job_is_cancelled_from_its_card_and_offers_resume(page, system):
    system.kill("rebuilder")  # the job stays queued until the rebuilder is back
    try:
        await fill(page, symbol="ETH/USD", timeframe="1h", start=NOW - timedelta(days=3), end=NOW - timedelta(days=2),
                   job_type="trade_rebuild")
        await page.click("#fetch")
        card = page.locator(".job").first
        await expect(card).to_contain_text("ETH/USD 1h")
        await expect(card).to_have_attribute("data-status", "queued")
        await card.locator("button.cancel").click()
        await expect(card).to_have_attribute("data-status", "cancelled")
        await expect(card.locator("button.resume")).to_be_visible()
    finally:
        system.start("rebuilder")
    job_id = (await card.get_attribute("id")).removeprefix("job-")
    view = await get_json(system.api, f"/api/data-jobs/{job_id}")
    assert view["status"] == "cancelled" and view["started_at"] is None  # it never ran


async def test_the_coverage_timeline_shows_the_ledger_and_a_missing_stretch_fills_the_form(page, system):
    # Two days a week apart: the row's ledger has data from REST, a missing week, and data again.
    for days in (20, 12):
        start = (NOW - timedelta(days=days)).replace(hour=0)
        job = await submit(system.api, {"exchange": "kraken", "symbol": "ETH/USD", "timeframe": "1d",
                                        "start_timestamp": iso(start), "end_timestamp": iso(start + timedelta(days=2))})
        assert (await follow(system.api, job["id"]))[-1]["type"] == "job.completed"
    (row,) = await get_json(system.api, "/api/data-coverage?exchange=kraken&symbol=ETH/USD&timeframe=1d")
    assert [s["state"] for s in row["timeline"]] == ["data", "missing", "data"] and row["missing_stretches"] == 1

    await page.reload()
    bar = page.locator("#coverage-rows tr[data-key='ETH/USD 1d'] .timeline")
    await expect(bar.locator(".stretch")).to_have_count(3)
    assert await bar.locator(".stretch").evaluate_all("els => els.map(e => e.dataset.state)") == [
        "data", "missing", "data"]
    missing = bar.locator(".stretch.missing")
    await missing.focus()
    label = await missing.get_attribute("aria-label")
    gap = row["timeline"][1]
    assert "missing" in label and gap["start_timestamp"].replace("T", " ")[:16] in label
    await page.keyboard.press("Enter")
    assert await page.input_value("#start") == gap["start_timestamp"][:16]
    assert await page.input_value("#end") == gap["end_timestamp"][:16]
    assert await page.input_value("#symbol") == "ETH/USD" and await page.input_value("#timeframe") == "1d"
    await page.screenshot(path=str(system.log_dir / "coverage-timeline.png"), full_page=True)


async def test_the_chart_shows_the_stored_candles_of_a_row(page, system):
    (row,) = await get_json(system.api, "/api/data-coverage?exchange=kraken&symbol=BTC/USD&timeframe=1h")
    stored = [r for r in lake_rows(system.lake, "BTC/USD", "1h")]
    await page.reload()
    await page.locator("#coverage-rows tr[data-key='BTC/USD 1h'] button.chart").click()
    box = page.locator("#chart")
    await expect(box).to_have_attribute("data-points", str(len(stored)))
    assert await box.get_attribute("data-bucket") == "3600"  # candles as stored: no downsampling
    await expect(box.locator("canvas").first).to_be_attached()  # drawn by the library the API serves
    await expect(page.locator("#chart-status")).to_contain_text(f"{len(stored):,} points")
    await page.screenshot(path=str(system.log_dir / "chart.png"), full_page=True)

    chart = await get_json(system.api, "/api/chart?exchange=kraken&symbol=BTC/USD&timeframe=1h&points=10")
    assert chart["downsampled"] and len(chart["points"]) <= 10 and chart["bucket_s"] >= 4 * 3600
    assert sum(p[5] for p in chart["points"]) == pytest.approx(sum(r["volume"] for r in stored))
    assert max(p[2] for p in chart["points"]) == max(r["high"] for r in stored)
    async with aiohttp.ClientSession() as http:
        for query, status, field in (("symbol=BTC/USD&timeframe=1h&points=5", 400, "exchange"),
                                     ("exchange=kraken&symbol=DOGE/USD&timeframe=1h", 404, "symbol"),
                                     ("exchange=kraken&symbol=BTC/USD&timeframe=1h&end=2001-01-01T00:00:00Z", 400,
                                      "start")):
            async with http.get(f"{system.api}/api/chart?{query}") as resp:
                body = await resp.json()
                assert resp.status == status and body["field"] == field, (query, body)


async def test_at_phone_width_nothing_overflows_and_cards_speak_for_their_job(page, system):
    await page.set_viewport_size({"width": 390, "height": 844})
    try:
        await page.reload()
        await expect(page.locator("#coverage-rows tr").first).to_be_attached()
        await fill(page, symbol="BTC/USD", timeframe="1h", start=NOW - timedelta(days=3), end=NOW)
        await page.click("#preview")
        await expect(page.locator("#plan")).to_be_visible()
        await page.locator("#coverage-rows tr[data-key='BTC/USD 1h'] button.chart").click()
        await expect(page.locator("#chart")).to_have_attribute("data-points", re.compile(r"\d+"))
        widths = await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        await page.screenshot(path=str(system.log_dir / "phone.png"), full_page=True)
        assert widths[0] <= widths[1], widths
    finally:
        await page.set_viewport_size({"width": 1280, "height": 900})

    card = page.locator(".job[data-status='completed']").first
    job_id = (await card.get_attribute("id")).removeprefix("job-")
    label = await card.locator("progress").get_attribute("aria-label")
    assert job_id[:8] in label and "progress" in label.lower()
    for button in await card.locator("button").all():
        assert job_id[:8] in (await button.get_attribute("aria-label")), await button.text_content()
    assert await card.get_attribute("aria-live") == "polite"
    log = card.locator("details.log")
    await log.locator("summary").click()
    await expect(log.locator("li").nth(1)).to_be_attached()  # every message the job sent, not only the latest


async def test_a_batch_card_lists_its_children_with_their_status(page, system):
    from tests.integration.client import follow, submit

    # Two pairs picked in the form: the preview is the batch's plan.
    await fill(page, symbol=["BTC/USD", "ETH/USD"], timeframe="1d", start=NOW - timedelta(days=20), end=NOW)
    await page.click("#preview")
    await expect(page.locator("#plan-range")).to_contain_text("batch of 2 jobs: BTC/USD, ETH/USD × 1d")

    job = await submit(system.api, {
        "exchange": "kraken", "symbols": ["BTC/USD", "ETH/USD"], "timeframe": "1d",
        "start_timestamp": iso(NOW - timedelta(days=20)), "end_timestamp": iso(NOW - timedelta(days=1)),
        "options": {"confirm": True}})
    await follow(system.api, job["id"])
    view = await get_json(system.api, f"/api/data-jobs/{job['id']}")
    assert view["status"] == "completed", view
    await page.reload()
    card = page.locator(f"#job-{job['id']}")
    await expect(card.locator("header strong")).to_have_text("batch: BTC/USD, ETH/USD × 1d")
    await expect(card.locator(".children li[data-status=completed]")).to_have_count(len(view["result"]["children"]))
    await expect(card.locator(".children li").first).to_contain_text("fetch BTC/USD 1d")
    assert await card.locator("button.download-parquet").count() == 0  # each child has its own candles


async def test_a_plan_with_nothing_to_do_says_so_and_fetch_stays_disabled(page, system):
    """Bug 4: "Extend" on a 1d row pre-filled a range with nothing to do, and Fetch still submitted it."""
    today = NOW.replace(hour=0, minute=0)
    await fill(page, symbol="BTC/USD", timeframe="1d", start=today, end=NOW)
    await page.click("#preview")
    await expect(page.locator("#plan-warning")).to_contain_text("Nothing to do")
    await expect(page.locator("#fetch")).to_be_disabled()
    await page.fill("#start", local(today - timedelta(days=3)))  # a range with work in it again
    await expect(page.locator("#fetch")).to_be_enabled()


async def test_a_parent_with_a_child_rebuild_is_never_done_before_it_and_shows_it_nested(page, system):
    # Older than Kraken's REST window and no dump: the plan's trades go to a child rebuild.
    start, end = NOW - timedelta(days=4), NOW - timedelta(days=4) + timedelta(hours=6)
    await page.reload()
    await fill(page, symbol="ETH/USD", timeframe="1m", start=start, end=end)
    # Every 100% a top-level card's bar shows while that card has not completed, and every ETA, by card.
    await page.evaluate("""() => {
      window.early = []; window.etas = [];
      new MutationObserver((changes) => { for (const c of changes) {
        const card = c.target.closest(".job");
        if (card.parentElement.id !== "jobs" || card.dataset.status === "completed") continue;
        if (c.target.tagName === "PROGRESS" && c.target.value >= 1) window.early.push([card.id, c.target.value]);
        if (c.attributeName === "data-eta") window.etas.push([card.id, card.dataset.eta]);
      } }).observe(document.getElementById("jobs"), { attributes: true, subtree: true,
        attributeFilter: ["value", "data-eta"] });
    }""")
    await page.click("#fetch")
    card = page.locator(".job").first
    await expect(card.locator(".nested .job")).to_have_count(1)
    child = card.locator(".nested .job").first
    await expect(child).to_have_attribute("data-status", "completed")
    await expect(card).to_have_attribute("data-status", "completed")
    parent_id, child_id = await card.get_attribute("id"), await child.get_attribute("id")
    early = [v for c, v in await page.evaluate("window.early") if c == parent_id]
    assert early == [], "the parent read 100% before its child rebuild ended"
    assert [e for c, e in await page.evaluate("window.etas") if c == parent_id], "no ETA while the job ran"
    await expect(card.locator("progress").first).to_have_js_property("value", 1)

    await page.reload()  # the child is nested under its parent after a reload too, with its own actions
    card = page.locator(f"#{parent_id}")
    nested = card.locator(f".nested #{child_id}")
    await expect(nested).to_have_attribute("data-status", "completed")
    await expect(nested.locator("button.download-parquet")).to_be_visible()
    assert await page.locator(f"#jobs > #{child_id}").count() == 0
