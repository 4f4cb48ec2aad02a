"""Endpoint outages: recognised, waited out by probing, given up after the budget; nothing is lost.

Against the fault-injecting local server: its engine dies (HTTP 500 for every chat request, as vLLM
answers once its engine has died) or it stops listening (as while a killed server restarts), for a
while, after a given number of requests.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from data_pipeline import run_cold_start
from data_pipeline.chat import ChatRequest, Completion, EndpointDown, Message, Sampling
from data_pipeline.config import OpenAIEndpoint
from data_pipeline.engines import build_engines, close_engines
from data_pipeline.engines.health import EndpointHealth, Outage, OutagePolicy
from data_pipeline.engines.openai_engine import PROBE_TEXT
from data_pipeline.local_server import ChatServer, Fault, ServerOutage
from data_pipeline.runner import IncompleteRunError
from vision_r1.cli import app
from vision_r1.report.plots import sample_outcomes
from vision_r1.run_state import RunState
from vision_r1.run_status import status_table

# Quick to notice an outage and to probe; a request alone could ride out only ~0.1 s of failures.
ON_OUTAGE = {"max_retries": 2, "down_after_failures": 3, "probe_interval_s": 0.2, "outage_budget_s": 30.0}


def _requests(count: int) -> list[ChatRequest]:
    sampling = Sampling(temperature=0.0, max_tokens=8)
    return [ChatRequest((Message("user", (f"question {i}",)),), sampling) for i in range(count)]


def _echo(request: ChatRequest, model: str, seed: int | None) -> Completion:
    return Completion(f"answer to {request.messages[-1].text}")


def _generate_all(
    endpoint: OpenAIEndpoint, requests: list[ChatRequest]
) -> tuple[list[Completion | BaseException], list[Outage]]:
    async def main():
        engines = build_engines({"vlm": endpoint}, Path("."))
        try:
            results = await asyncio.gather(
                *(engines["vlm"].generate(r, seed=None) for r in requests), return_exceptions=True
            )
            return results, list(engines["vlm"].health.outages)
        finally:
            await close_engines(engines)

    return asyncio.run(main())


def _answered(server: ChatServer) -> list[tuple[str, str]]:
    """(model, prompt) of every pipeline request the server answered (probes left out)."""
    return [(r.model, r.text) for r in server.answered if r.text != PROBE_TEXT]


def _wait_until_up(server: ChatServer, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while server.down:
        assert time.monotonic() < deadline, "the scheduled outage did not end"
        time.sleep(0.05)


def test_health_counts_failures_in_a_row_and_keeps_outage_failures_off_the_requests() -> None:
    async def main() -> None:
        probes: list[float] = []

        async def probe() -> str | None:
            probes.append(time.monotonic())
            return None

        health = EndpointHealth("e", probe, OutagePolicy(3, outage_budget_s=5.0, probe_interval_s=0.08))
        assert health.record_failure("http_500") and health.record_failure("http_500")
        health.record_success()  # a reply in between: the count starts over
        assert health.record_failure("timeout") and health.record_failure("timeout")
        assert not health.record_failure("connection: ClientOSError")  # the third in a row: down
        assert health.down
        assert not health.record_failure("http_503")  # during the outage: not the request's fault
        await asyncio.wait_for(health.wait_until_up(), 2.0)
        assert not health.down and len(probes) == 1
        [outage] = health.outages
        assert (outage.recovered, outage.probes) == (True, 1)
        assert (outage.first_error, outage.last_error) == ("connection: ClientOSError", "http_503")
        assert outage.seconds >= 0.01  # the first probe waits 1/8 of the interval
        await health.aclose()

    asyncio.run(main())


def test_health_probes_with_backoff_then_gives_up_after_the_budget() -> None:
    async def main() -> None:
        probes: list[float] = []

        async def probe() -> str | None:
            probes.append(time.monotonic())
            return "connection: ClientConnectorError"

        policy = OutagePolicy(down_after_failures=1, outage_budget_s=1.0, probe_interval_s=0.4)
        health = EndpointHealth("http://h/v1 (model m)", probe, policy)
        started = time.monotonic()
        assert not health.record_failure("http_500")
        with pytest.raises(EndpointDown) as caught:
            await asyncio.wait_for(health.wait_until_up(), 5.0)
        elapsed = time.monotonic() - started
        gaps = [later - earlier for earlier, later in zip([started, *probes], probes, strict=False)]
        # waits of 0.05, 0.1, 0.2, 0.4 s, then the last probe at the budget's end
        assert 3 <= len(probes) <= 6 and gaps[0] + gaps[1] < 0.4 and max(gaps) < 0.75
        assert 1.0 <= elapsed < 2.0
        assert re.fullmatch(
            r"endpoint_down: http://h/v1 \(model m\) was down for 1\.\d s from \S+, longer than its "
            rf"outage_budget_s \(1 s\): gave up after {len(probes)} probes, "
            "last error: connection: ClientConnectorError",
            str(caught.value),
        )
        with pytest.raises(EndpointDown):  # later requests are refused at once
            await asyncio.wait_for(health.wait_until_up(), 0.1)
        assert not health.record_failure("http_500")
        assert health.outages[0].recovered is False

    asyncio.run(main())


@pytest.mark.parametrize("kind", ["engine_dead", "stopped"])
def test_requests_wait_out_an_outage_without_spending_their_retries(start_server, kind: str) -> None:
    server = start_server(_echo, latency_s=0.02)
    server.schedule(ServerOutage(after_requests=3, seconds=1.0, kind=kind))
    endpoint = OpenAIEndpoint(
        base_url=server.url, model="local", max_concurrency=4, timeout_s=2.0, backoff_base_s=0.01,
        backoff_max_s=0.05, **ON_OUTAGE,
    )  # fmt: skip
    requests = _requests(8)
    started = time.monotonic()
    results, outages = _generate_all(endpoint, requests)
    assert [r.content for r in results] == [f"answer to question {i}" for i in range(8)]
    assert time.monotonic() - started >= 0.9  # really waited for the server
    assert sorted(_answered(server)) == sorted(("local", f"question {i}") for i in range(8))
    assert len(outages) == 1 and outages[0].recovered and outages[0].probes >= 1
    assert 0.5 <= outages[0].seconds < 5.0
    probes = [r for r in server.received if r.text == PROBE_TEXT]
    # a stopped server sees only the probe that finds it back; a dead engine sees every probe
    assert len(probes) == (outages[0].probes if kind == "engine_dead" else 1)
    assert all(r.seed is None and r.model == "local" for r in probes)
    expected = "http_500 ({" if kind == "engine_dead" else "connection: ClientConnectorError"
    assert outages[0].last_error.startswith(expected)


def test_an_outage_past_the_budget_fails_every_request_with_endpoint_down(start_server) -> None:
    server = start_server(_echo)
    server.schedule(ServerOutage(after_requests=1, seconds=10.0))
    endpoint = OpenAIEndpoint(
        base_url=server.url, model="local", max_concurrency=2, timeout_s=2.0, backoff_base_s=0.01,
        **{**ON_OUTAGE, "outage_budget_s": 0.3, "probe_interval_s": 0.1},
    )  # fmt: skip
    started = time.monotonic()
    results, outages = _generate_all(endpoint, _requests(4))
    assert time.monotonic() - started < 3.0
    assert all(isinstance(r, EndpointDown) for r in results)
    [message] = {str(r) for r in results}
    assert message.startswith(f"endpoint_down: {server.url} (model local) was down for ")
    assert message.endswith(
        f"longer than its outage_budget_s (0.3 s): gave up after {outages[0].probes} probes, last error: "
        'http_500 ({"error": {"message": "EngineCore encountered an issue", "type": "InternalServerError"}})'
    )
    assert server.answered == [] and outages[0].recovered is False


def test_a_dead_engine_mid_run_costs_no_sample(start_server, make_input, make_config, tmp_path) -> None:
    source = make_input(tmp_path / "input.parquet", 8)
    steady = start_server()
    reference = run_cold_start(
        make_config(source, tmp_path / "reference", steady.url), progress=False, summary=False
    )

    server = start_server(latency_s=0.01)
    server.schedule(ServerOutage(after_requests=6, seconds=1.5))
    config = make_config(source, tmp_path / "out", server.url, vlm=ON_OUTAGE, reasoner=ON_OUTAGE)
    outputs = run_cold_start(config, progress=False, summary=False)

    stats = outputs.stats
    assert stats["complete"] is True
    assert stats["outcomes"] == reference.stats["outcomes"]
    assert stats["outcomes"] == {
        "kept": 8,
        "lost_to_filters": 0,
        "failed_generation": 0,
        "not_yet_generated": 0,
    }
    assert pq.read_table(outputs.sft_path).to_pylist() == pq.read_table(reference.sft_path).to_pylist()
    answered = _answered(server)
    assert len(answered) == len(set(answered)) == 24  # every request answered once, none twice
    assert stats["outages"] and all(o["recovered"] for o in stats["outages"])
    assert max(o["seconds"] for o in stats["outages"]) >= 1.0


def _incomplete_stage(tmp_path: Path) -> tuple[Path, Path]:
    """A run directory with one cold-start stage that failed; returns (run_dir, the stage's work dir)."""
    run_dir = tmp_path / "run"
    state = RunState.open(run_dir, {"name": "outage"}, {"coldstart": "cold_start"})
    state.start("coldstart", "fingerprint", {})
    state.fail("coldstart", "failed", "vision-r1 cold-start exited with status 3")
    return run_dir, run_dir / "coldstart" / "work"


def test_an_outage_past_the_budget_exits_3_and_a_rerun_completes_without_repeats(
    start_server, make_input, make_config, tmp_path
) -> None:
    server = start_server(latency_s=0.01)
    server.schedule(ServerOutage(after_requests=21, seconds=2.5))  # samples finish in the meantime
    run_dir, out = _incomplete_stage(tmp_path)
    give_up_soon = {**ON_OUTAGE, "outage_budget_s": 0.4, "probe_interval_s": 0.1}
    config = make_config(
        make_input(tmp_path / "input.parquet", 8), out, server.url, vlm=give_up_soon, reasoner=give_up_soon
    )
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))

    first = CliRunner().invoke(app, ["cold-start", str(config_path), "--no-progress"])
    assert first.exit_code == 3, first.output
    assert "longer than its outage_budget_s (0.4 s)" in first.output
    assert "Run the same command again" in first.output
    stats = json.loads((out / "stats.json").read_text())
    outcomes = stats["outcomes"]
    assert stats["complete"] is False and outcomes["failed_generation"] == 0
    assert outcomes["not_yet_generated"] >= 1 and outcomes["kept"] >= 1
    assert outcomes["kept"] + outcomes["not_yet_generated"] == 8
    assert f"{outcomes['not_yet_generated']} of 8 samples not yet generated" in first.output
    decisions = [json.loads(line) for line in (out / "decisions.jsonl").read_text().splitlines()]
    assert sorted({d["status"] for d in decisions}) == ["kept", "pending"]
    journal = [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines()]
    assert all(r["ok"] or r.get("transient") for r in journal)  # no sample marked failed

    console = Console(record=True, width=250)
    console.print(status_table(run_dir))
    shown = console.export_text()
    assert f"kept {outcomes['kept']}/8, {outcomes['not_yet_generated']} pending" in shown
    assert "not yet generated" in shown

    _wait_until_up(server)
    second = run_cold_start(config, progress=False, summary=False)
    assert second.stats["complete"] is True and second.stats["outcomes"]["kept"] == 8
    answered = _answered(server)
    assert len(answered) == len(set(answered)) == 24  # across both runs: nothing finished was sent twice
    console = Console(record=True, width=250)
    console.print(status_table(run_dir))
    assert "kept 8/8" in console.export_text() and "pending" not in console.export_text()


def test_exhausted_retries_leave_samples_pending_for_a_plain_rerun(
    start_server, make_input, make_config, tmp_path
) -> None:
    server = start_server()
    server.inject(Fault("500"), Fault("500"))
    no_retry = {"max_retries": 0, "down_after_failures": 100}
    config = make_config(
        make_input(tmp_path / "input.parquet", 5),
        tmp_path / "out",
        server.url,
        vlm=no_retry,
        reasoner=no_retry,
    )
    with pytest.raises(IncompleteRunError) as caught:
        run_cold_start(config, progress=False, summary=False)
    stats = caught.value.outputs.stats
    assert stats["pending"]["pseudo_cot"] == {"retries_exhausted": 2}
    assert stats["failures"] == {"pseudo_cot": {}, "description": {}, "reasoning": {}}
    assert stats["funnel"] == {"input": 5, "pseudo_cot": 3, "description": 3, "reasoning": 3, "kept": 3}
    assert str(caught.value).startswith(
        "cold start incomplete: 2 of 5 samples not yet generated (pseudo_cot: retries_exhausted 2)."
    )
    assert len(server.received) == 11

    second = run_cold_start(config, progress=False, summary=False)
    assert second.stats["outcomes"]["kept"] == 5 and len(server.received) == 11 + 6
    assert second.stats["requests"]["pseudo_cot"] == {"reused": 3, "new": 2}


def test_the_report_shows_where_samples_are() -> None:
    stats = {"outcomes": {"kept": 5, "lost_to_filters": 2, "failed_generation": 1, "not_yet_generated": 4}}
    assert sample_outcomes(stats) == {
        "kept": 5.0,
        "lost to filters": 2.0,
        "failed generation": 1.0,
        "not yet generated": 4.0,
    }
    assert sample_outcomes({"funnel": {"input": 3}}) == {}
