"""The pipeline end to end against a local HTTP server: SFT content, stats, journal reuse, failures, keys."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cold_start_helpers import circles_png, r1_like_reply

from data_pipeline import run_cold_start
from data_pipeline.chat import Completion, FatalEngineError
from data_pipeline.local_server import Fault
from data_pipeline.templates import load_template
from data_pipeline.text_metrics import count_tokens


def _sft(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def _thinking(content: str) -> str:
    return content.split("<think>\n", 1)[1].split("\n</think>", 1)[0]


def test_strict_run_keeps_consistent_samples_rewritten_with_images(
    start_server, make_input, make_config, tmp_path
) -> None:
    def responder(request, model, seed):
        text = request.messages[-1].text
        reply = r1_like_reply(request, model, seed)
        if "(item 4)" in text and not request.messages[-1].images:
            return Completion(
                reply.content.replace("Let me count", "The hint gives it away, but let me count")
            )
        if "(item 5)" in text and not request.messages[-1].images:
            return Completion(
                "<think>\nI count the circles in the image: there are 9 circles.\n</think>Final Answer: 9"
            )
        return reply

    server = start_server(responder)
    source = make_input(tmp_path / "input.parquet", 6)
    outputs = run_cold_start(make_config(source, tmp_path / "out", server.url), progress=False, summary=False)

    stats = outputs.stats
    assert stats["funnel"] == {"input": 6, "pseudo_cot": 6, "description": 6, "reasoning": 6, "kept": 4}
    assert stats["rejections"] == {"hint_reference": 1, "answer_mismatch": 1}
    assert stats["answer_match_rate"] == pytest.approx(5 / 6)
    assert stats["thinking_sources"] == {"think_tags": 6}
    assert stats["rewrites"] == {"description_verb": 5}
    assert json.loads(outputs.stats_path.read_text()) == stats

    rows = _sft(outputs.sft_path)
    assert len(rows) == 4
    first = rows[0]
    assert first["messages"][0] == {
        "role": "user",
        "content": "<image>How many red circles are there? (item 0)",
    }
    assistant = first["messages"][1]["content"]
    assert assistant.endswith("</think><answer>Final Answer: 1</answer>")
    assert "The image shows the circles are in one row." in _thinking(assistant)
    assert "description" not in assistant
    assert first["images"][0]["bytes"] == circles_png(1)
    assert [r["messages"][0]["content"][-8:] for r in rows] == [
        "(item 0)",
        "(item 1)",
        "(item 2)",
        "(item 3)",
    ]

    thinking = [_thinking(r["messages"][1]["content"]) for r in rows]
    expected_wait = 1000.0 * 4 / sum(count_tokens(t) for t in thinking)
    assert stats["reflective_words_per_1k_tokens"]["wait"] == pytest.approx(expected_wait)
    assert stats["thinking_tokens"]["kept"]["max"] == max(count_tokens(t) for t in thinking)
    kept_bins = stats["length_histograms"]["thinking tokens (kept)"]
    assert sum(kept_bins["counts"]) == len(rows) and len(kept_bins["edges"]) == len(kept_bins["counts"]) + 1
    assert sum(stats["length_histograms"]["thinking tokens (all)"]["counts"]) == 6  # 4 kept + 2 rejected

    decisions = [json.loads(line) for line in outputs.decisions_path.read_text().splitlines()]
    assert [d["status"] for d in decisions] == ["kept"] * 4 + ["rejected"] * 2
    assert decisions[5]["predicted"] == "9" and decisions[5]["matched"] is False

    vlm = [r for r in server.received if r.model == "local"]
    reasoner = [r for r in server.received if r.model == "local-reasoner"]
    assert len(vlm) == 12 and all(r.image_count == 1 for r in vlm)
    assert len(reasoner) == 6 and all(r.image_count == 0 for r in reasoner)
    assert all("The correct answer is" in r.text for r in reasoner)


def test_rerun_sends_nothing_and_a_changed_prompt_reruns_only_its_step(
    start_server, make_input, make_config, tmp_path
) -> None:
    server = start_server()
    source = make_input(tmp_path / "input.parquet", 5)
    config = make_config(source, tmp_path / "out", server.url)
    first = run_cold_start(config, progress=False, summary=False)
    assert len(server.received) == 15
    rows = _sft(first.sft_path)

    again = run_cold_start(config, progress=False, summary=False)
    assert len(server.received) == 15
    assert _sft(again.sft_path) == rows
    assert again.stats["requests"]["reasoning"] == {"reused": 5}

    edited = tmp_path / "my_reasoning.jinja"
    edited.write_text(load_template("reasoning").source + "\nBe brief.")
    config["steps"] = {"reasoning": {"template": str(edited)}}
    changed = run_cold_start(config, progress=False, summary=False)
    new = server.received[15:]
    assert len(new) == 5 and {r.model for r in new} == {"local-reasoner"}
    assert all(r.text.endswith("Be brief.") for r in new)
    assert changed.stats["requests"]["pseudo_cot"] == {"reused": 5}


def test_reasoning_content_field_gives_the_same_set(start_server, make_input, make_config, tmp_path) -> None:
    source = make_input(tmp_path / "input.parquet", 3)
    tagged = start_server()
    parsed = start_server(reasoning_parser=True)
    inline = run_cold_start(make_config(source, tmp_path / "a", tagged.url), progress=False, summary=False)
    split = run_cold_start(make_config(source, tmp_path / "b", parsed.url), progress=False, summary=False)
    assert inline.stats["thinking_sources"] == {"think_tags": 3}
    assert split.stats["thinking_sources"] == {"reasoning_content": 3}
    assert _sft(split.sft_path) == _sft(inline.sft_path)


def test_permanent_failures_are_kept_until_retry_failed(
    start_server, make_input, make_config, tmp_path
) -> None:
    broken = {"on": True}

    def responder(request, model, seed):
        if broken["on"] and "(item 2)" in request.messages[-1].text and request.messages[-1].images:
            return Completion("   ")  # nothing usable: a permanent failure of pseudo_cot
        return r1_like_reply(request, model, seed)

    server = start_server(responder)
    config = make_config(make_input(tmp_path / "input.parquet", 4), tmp_path / "out", server.url)
    first = run_cold_start(config, progress=False, summary=False)
    assert first.stats["failures"]["pseudo_cot"] == {"empty_output": 1}
    assert first.stats["funnel"]["kept"] == 3 and len(server.received) == 10

    broken["on"] = False
    second = run_cold_start(config, progress=False, summary=False)
    assert len(server.received) == 10 and second.stats["funnel"]["kept"] == 3

    third = run_cold_start(config, retry_failed=True, progress=False, summary=False)
    assert len(server.received) == 13
    assert third.stats["funnel"]["kept"] == 4 and third.stats["failures"]["pseudo_cot"] == {}
    pseudo_cot = [r for r in server.received if "(item 2)" in r.text and "Correct answer:" in r.text]
    seeds = [r.seed for r in pseudo_cot]
    assert len(seeds) == 2 and seeds[0] != seeds[1]  # the retry of a failed request draws a new seed


def test_transient_faults_during_a_run_lose_nothing(start_server, make_input, make_config, tmp_path) -> None:
    server = start_server()
    server.inject(
        Fault("429", retry_after=0.2),
        Fault("500"),
        Fault("timeout", hold_s=1.0),
        Fault("truncated"),
        Fault("invalid_json"),
    )
    config = make_config(
        make_input(tmp_path / "input.parquet", 4),
        tmp_path / "out",
        server.url,
        vlm={"max_retries": 6, "timeout_s": 0.5},
        reasoner={"max_retries": 6, "timeout_s": 0.5},
    )
    outputs = run_cold_start(config, progress=False, summary=False)
    assert outputs.stats["funnel"]["kept"] == 4
    assert outputs.stats["requests"]["transient_retries"] == 5
    assert len(server.received) == 12 + 5


def test_api_key_reaches_the_server_and_nothing_else(
    start_server, make_input, make_config, tmp_path, monkeypatch, capsys
) -> None:
    secret = "sk-cold-start-secret-4242"
    monkeypatch.setenv("COLD_START_TEST_KEY", secret)
    server = start_server(api_key=secret)
    keyed = {"api_key_env": "COLD_START_TEST_KEY"}
    config = make_config(
        make_input(tmp_path / "input.parquet", 2), tmp_path / "out", server.url, vlm=keyed, reasoner=keyed
    )
    outputs = run_cold_start(config, progress=True, summary=True)
    assert all(r.authorized for r in server.received) and len(server.received) == 6
    written = "".join(p.read_text(errors="replace") for p in (tmp_path / "out").iterdir() if p.is_file())
    captured = capsys.readouterr()
    assert secret not in written + captured.out + captured.err
    assert outputs.stats["funnel"]["kept"] == 2

    monkeypatch.setenv("COLD_START_TEST_KEY", "sk-wrong")
    with pytest.raises(FatalEngineError) as caught:
        run_cold_start(config, output_dir=tmp_path / "other", progress=False, summary=False)
    assert "sk-wrong" not in str(caught.value)
