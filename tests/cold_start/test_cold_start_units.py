"""Protocol, retry policy, priority limiter, journal, templates, config and input checks."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from cold_start_helpers import circles_png, write_input

from data_pipeline.chat import ChatRequest, EngineFailure, ImagePart, Message, Sampling
from data_pipeline.config import ConfigError, OpenAIEndpoint, TransformersEndpoint, load_config
from data_pipeline.engines.limiter import PriorityLimiter
from data_pipeline.engines.retry import RetryPolicy, parse_retry_after
from data_pipeline.inputs import InputError, count_and_check_ids, iter_samples
from data_pipeline.journal import Journal, JournalError, request_key
from data_pipeline.protocol import parse_completion, request_from_payload, request_payload
from data_pipeline.templates import TemplateError, builtin_template_names, load_template
from data_pipeline.text_metrics import histogram
from vision_r1.report.plots import length_histograms

REPO = Path(__file__).resolve().parents[2]


def test_payload_round_trips_through_the_server_side_parser() -> None:
    image = circles_png(2)
    request = ChatRequest(
        (Message("system", ("Be exact.",)), Message("user", (ImagePart(image), "How many circles?"))),
        Sampling(temperature=0.6, top_p=0.95, max_tokens=128, extra={"top_k": 20}),
    )
    payload = json.loads(json.dumps(request_payload(request, "qwen", seed=9)))
    assert payload["messages"][0] == {"role": "system", "content": "Be exact."}
    assert payload["messages"][1]["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert payload["top_k"] == 20 and payload["seed"] == 9
    back, model, seed = request_from_payload(payload)
    assert (back, model, seed) == (request, "qwen", 9)
    assert back.digest() == request.digest()


def test_request_digest_follows_content_images_and_sampling() -> None:
    def request(image: bytes, text: str, temperature: float) -> ChatRequest:
        return ChatRequest((Message("user", (ImagePart(image), text)),), Sampling(temperature=temperature))

    base = request(circles_png(1), "q", 0.6).digest()
    assert request(circles_png(1), "q", 0.6).digest() == base
    assert request(circles_png(2), "q", 0.6).digest() != base
    assert request(circles_png(1), "q2", 0.6).digest() != base
    assert request(circles_png(1), "q", 0.7).digest() != base


def test_parse_completion_reads_both_reasoning_field_names_and_refusals() -> None:
    def body(**message):
        return {"choices": [{"message": {"role": "assistant", **message}, "finish_reason": "stop"}]}

    assert parse_completion(body(content="A", reasoning_content="think")).reasoning_content == "think"
    assert parse_completion(body(content="A", reasoning="think2")).reasoning_content == "think2"
    assert (
        parse_completion(body(content=[{"type": "text", "text": "x"}, {"type": "text", "text": "y"}])).content
        == "xy"
    )
    with pytest.raises(EngineFailure) as refused:
        parse_completion(body(content=None, refusal="I can't help with that"))
    assert refused.value.reason == "content_refused"
    with pytest.raises(EngineFailure) as malformed:
        parse_completion({"choices": []})
    assert malformed.value.reason == "malformed_response"


def test_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 28.0 <= parse_retry_after({"Retry-After": format_datetime(later, usegmt=True)}) <= 30.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy, rng = RetryPolicy(max_retries=8, base_s=1.0, max_s=10.0), random.Random(0)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 10.0)]:
        delays = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not constant
    assert 5.0 <= policy.delay(0, 5.0, rng) <= 5.5  # Retry-After wins over our own backoff


def test_priority_limiter_serves_deeper_steps_first_and_caps_holders() -> None:
    order: list[str] = []

    async def main() -> None:
        limiter = PriorityLimiter(1)
        await limiter.acquire()

        async def waiter(name: str, priority: int) -> None:
            async with limiter.slot(priority):
                order.append(name)
                assert limiter.in_use == 1

        tasks = [
            asyncio.create_task(waiter(n, p))
            for n, p in [("step0-a", 0), ("step2", -2), ("step0-b", 0), ("step1", -1)]
        ]
        await asyncio.sleep(0)
        limiter.release()
        await asyncio.gather(*tasks)
        assert limiter.in_use == 0

    asyncio.run(main())
    assert order == ["step2", "step1", "step0-a", "step0-b"]


def _append(journal: Journal, key: str, record: dict) -> None:
    asyncio.run(journal.append(key, record))


def test_journal_survives_reopen_and_drops_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal.open(path)
    _append(journal, "k1", {"ok": True, "output": {"content": "one"}})
    _append(journal, "k2", {"ok": False, "reason": "http_400"})
    journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"key": "k3", "ok": tr')  # what a kill -9 in the middle of a write leaves
    journal = Journal.open(path)
    assert len(journal) == 2 and journal.entry("k3") is None
    assert journal.read("k1")["output"] == {"content": "one"}
    assert (journal.entry("k2").ok, journal.entry("k2").reason, journal.entry("k2").failures) == (
        False,
        "http_400",
        1,
    )
    _append(journal, "k2", {"ok": True, "output": {"content": "two"}})
    journal.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line) for line in lines)
    reopened = Journal.open(path)
    assert reopened.entry("k2").ok and reopened.entry("k2").failures == 1
    assert reopened.read("k2")["output"]["content"] == "two"
    reopened.close()


def test_journal_tells_transient_failures_from_permanent_ones(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal.open(path)
    _append(journal, "outage", {"ok": False, "reason": "retries_exhausted", "transient": True})
    _append(journal, "refused", {"ok": False, "reason": "content_refused"})
    journal.close()
    with path.open("a") as handle:  # written before transient failures were told apart
        handle.write(json.dumps({"key": "legacy", "ok": False, "reason": "retries_exhausted"}) + "\n")
    journal = Journal.open(path)
    entries = {key: journal.entry(key) for key in ("outage", "refused", "legacy")}
    assert {key: (e.transient, e.failures) for key, e in entries.items()} == {
        "outage": (True, 0),
        "refused": (False, 1),
        "legacy": (True, 0),
    }
    # --retry-failed re-sent the refused request and met an outage: pending again, one permanent failure
    _append(journal, "refused", {"ok": False, "reason": "retries_exhausted", "transient": True})
    assert (journal.entry("refused").transient, journal.entry("refused").failures) == (True, 1)
    journal.close()


def test_journal_is_exclusive_and_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    first = Journal.open(path)
    with pytest.raises(JournalError, match="in use"):
        Journal.open(path)
    first.close()
    path.write_text('{"key": "a", "ok": true}\nnot json\n')
    with pytest.raises(JournalError, match="line 2"):
        Journal.open(path)


def test_request_key_changes_with_each_component() -> None:
    parts = ["s1", "reasoning", "tmpl", "openai:r1", {"temperature": 0.6}, "req"]
    base = request_key(*parts)
    for index, changed in enumerate(
        ["s2", "description", "tmpl2", "openai:r2", {"temperature": 0.7}, "req2"]
    ):
        assert request_key(*parts[:index], changed, *parts[index + 1 :]) != base


def test_builtin_templates_render_and_user_templates_are_checked(tmp_path: Path) -> None:
    assert {"pseudo_cot", "description", "reasoning"} <= set(builtin_template_names())
    reasoning = load_template("reasoning")
    common = {
        "question": "Q?",
        "answer": "42",
        "choices": None,
        "image_count": 1,
        "pseudo_cot": "p",
        "description": "D.",
    }
    with_hint = reasoning.render(**common, answer_hint=True)
    assert with_hint.startswith("Image description:\nD.") and "The correct answer is 42." in with_hint
    assert "42" not in reasoning.render(**common, answer_hint=False)
    broken = tmp_path / "broken.jinja"
    broken.write_text("{{ question }")
    with pytest.raises(TemplateError, match="line 1"):
        load_template(str(broken))
    typo = tmp_path / "typo.jinja"
    typo.write_text("{{ questoin }}")
    with pytest.raises(TemplateError, match="questoin"):
        load_template(str(typo)).render(**common)
    with pytest.raises(TemplateError, match="not a built-in"):
        load_template("nope")


def test_shipped_configs_load() -> None:
    tiny = load_config(REPO / "data_pipeline" / "configs" / "tiny.yaml")
    assert isinstance(tiny.vlm, TransformersEndpoint) and tiny.vlm.model_dir == "tiny:0"
    assert tiny.filters.require_answer_match is False
    paper = load_config(REPO / "data_pipeline" / "configs" / "paper_vllm.yaml")
    assert isinstance(paper.reasoner, OpenAIEndpoint) and paper.reasoner.model == "deepseek-ai/DeepSeek-R1"
    assert paper.filters.require_answer_match and paper.filters.reject_truncated


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"filters": {"min_thinkng_tokens": 3}},
            "filters.min_thinkng_tokens: unknown key (did you mean 'min_thinking_tokens'?)",
        ),
        ({"vlm": {"kind": "vllm"}}, "vlm.kind: must be one of ['openai', 'transformers']"),
        ({"reasoner": {"kind": "openai", "base_url": "http://x"}}, "reasoner.model: required key is missing"),
        (
            {"vlm": {"kind": "openai", "base_url": "u", "model": "m", "max_concurrency": "8"}},
            "vlm.max_concurrency: expected an integer",
        ),
        ({"assemble": {"answer_format": "Final Answer"}}, "assemble.answer_format: must contain {answer}"),
        (
            {"vlm": {"kind": "openai", "base_url": "u", "model": "m", "probe_interval_s": 0}},
            "vlm.probe_interval_s: must be positive",
        ),
        (
            {"reasoner": {"kind": "openai", "base_url": "u", "model": "m", "down_after_failures": 0}},
            "reasoner.down_after_failures: must be at least 1",
        ),
        (
            {"vlm": {"kind": "openai", "base_url": "u", "model": "m", "outage_budget_s": -1}},
            "vlm.outage_budget_s: must not be negative",
        ),
        (
            {"vlm": {"kind": "openai", "base_url": "u", "model": "m", "outage_budget": 60}},
            "vlm.outage_budget: unknown key (did you mean 'outage_budget_s'?)",
        ),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, change: dict, message: str) -> None:
    data = yaml.safe_load((REPO / "data_pipeline" / "configs" / "tiny.yaml").read_text())
    data.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_input_table_errors_name_file_row_and_field(tmp_path: Path) -> None:
    good = write_input(tmp_path / "good.parquet", 3)
    assert count_and_check_ids(good, None) == 3 and count_and_check_ids(good, 2) == 2
    assert [s.id for s in iter_samples(good, 2)] == ["sample-0", "sample-1"]

    rows = pq.read_table(good).to_pylist()
    rows[2]["id"] = "sample-0"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "dup.parquet")
    with pytest.raises(InputError, match=r"dup.parquet: row 2: field 'id': 'sample-0' repeats row 0"):
        count_and_check_ids(tmp_path / "dup.parquet", None)

    rows = pq.read_table(good).to_pylist()
    rows[1]["answer"] = "  "
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "blank.parquet")
    with pytest.raises(InputError, match=r"blank.parquet: row 1: field 'answer'"):
        list(iter_samples(tmp_path / "blank.parquet", None))

    pq.write_table(pq.read_table(good).drop(["choices"]), tmp_path / "narrow.parquet")
    with pytest.raises(InputError, match=r"missing column\(s\) \['choices'\]"):
        count_and_check_ids(tmp_path / "narrow.parquet", None)


def test_length_histogram_bins_every_value_and_the_report_draws_it() -> None:
    assert histogram([]) == {}
    small = histogram([3, 3, 4, 10])
    assert small["edges"] == [float(e) for e in range(3, 12)]
    assert small["counts"] == [2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    wide = histogram(list(range(0, 16000, 7)))
    assert len(wide["counts"]) == 30 and sum(wide["counts"]) == len(range(0, 16000, 7))
    assert wide["edges"][0] == 0.0 and wide["edges"][-1] == 15995.0 + 1  # max + 1
    drawn = length_histograms({"length_histograms": {"thinking tokens (kept)": wide}})
    assert drawn == {"thinking tokens (kept)": (wide["edges"], wide["counts"])}
