"""Judging with the real reward library, the LLM extractor over real HTTP, and the summary figures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.judging import judge
from vision_r1.evaluation.llm_extractor import ExtractorEndpoint, LLMAnswerExtractor, OpenAIChatCompleter
from vision_r1.evaluation.metrics import length_stats, summarize
from vision_r1.evaluation.table import markdown_table, table_row

CHOICE_ITEM = EvalItem(
    item_id="1",
    messages=[{"role": "user", "content": "<image>\nWhat is angle ABC?"}],
    images=[],
    answer="60°",
    choices=["30°", "45°", "60°", "90°"],
)
FREE_ITEM = EvalItem(
    item_id="2", messages=[{"role": "user", "content": "Average?"}], images=[], answer="1.45"
)


@pytest.mark.parametrize(
    ("item", "response", "extracted", "correct", "format_ok"),
    [
        (CHOICE_ITEM, "<think>isosceles</think><answer> Final Answer:C </answer>", "C", True, True),
        (CHOICE_ITEM, "<think>x</think>\n<answer>60°</answer>", "60°", True, True),
        (CHOICE_ITEM, "<think>x</think><answer>\\boxed{B}</answer>", "B", False, True),
        (CHOICE_ITEM, "The answer is C. Final Answer: C", "C", True, False),
        (FREE_ITEM, "<think>sum / n</think><answer>1.45 cm</answer>", "1.45 cm", True, True),
        (FREE_ITEM, "<think>sum / n</think><answer>2.9</answer>", "2.9", False, True),
        (FREE_ITEM, "<think>I am not sure", None, False, False),
    ],
)
def test_rule_judging(
    item: EvalItem, response: str, extracted: str | None, correct: bool, format_ok: bool
) -> None:
    verdict = judge(item, response)
    assert (verdict.extracted, verdict.correct, verdict.format_ok) == (extracted, correct, format_ok)
    assert verdict.score == float(correct)
    assert verdict.extracted_by == ("rule" if extracted else None)


class _ChatServer:
    """A real OpenAI-compatible endpoint on 127.0.0.1 that answers with a scripted reply."""

    def __init__(self, reply: str, fail_first: int = 0) -> None:
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if len(server.requests) <= fail_first:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = json.dumps(
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": reply},
                            }
                        ],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def chat_server(request: pytest.FixtureRequest) -> Iterator[_ChatServer]:
    reply, fail_first = request.param
    server = _ChatServer(reply, fail_first)
    yield server
    server.close()


@pytest.mark.parametrize("chat_server", [(" 1.45 ", 1)], indirect=True)
def test_llm_extractor_is_asked_only_when_rules_fail(chat_server: _ChatServer, monkeypatch) -> None:
    monkeypatch.setenv("EXTRACTOR_KEY", "sk-test")
    endpoint = ExtractorEndpoint(chat_server.url, "judge-model", api_key_env="EXTRACTOR_KEY", max_retries=2)
    extractor = LLMAnswerExtractor(OpenAIChatCompleter(endpoint))
    prose = "Adding the three values and dividing by three gives one point four five centimetres."
    verdict = judge(FREE_ITEM, prose, extractor)
    assert (verdict.extracted, verdict.extracted_by, verdict.correct) == ("1.45", "llm", True)
    assert len(chat_server.requests) == 2  # the first answer was a 500; the client retried
    sent = chat_server.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    assert sent["body"]["model"] == "judge-model" and prose in sent["body"]["messages"][-1]["content"]
    judge(FREE_ITEM, "<think>a</think><answer>2.9</answer>", extractor)
    assert len(chat_server.requests) == 2  # a rule-extracted answer never reaches the LLM


@pytest.mark.parametrize("chat_server", [("NONE", 0)], indirect=True)
def test_llm_extractor_none_means_no_answer(chat_server: _ChatServer) -> None:
    extractor = LLMAnswerExtractor(OpenAIChatCompleter(ExtractorEndpoint(chat_server.url, "m")))
    verdict = judge(FREE_ITEM, "I cannot tell.", extractor)
    assert (verdict.extracted, verdict.extracted_by, verdict.correct) == (None, None, False)
    assert chat_server.requests[0]["auth"] == "Bearer EMPTY"


def _record(
    correct: bool,
    tokens: int,
    skills: list[str],
    attempts: int = 1,
    first_correct: bool | None = None,
    official: bool | None = None,
    item: str = "",
    sample: int = 0,
):
    record = {
        "id": item or f"{tokens}-{skills[0]}",
        "sample": sample,
        "correct": correct,
        "format_ok": attempts == 1 or correct,
        "extracted": "x" if correct else None,
        "truncated": tokens >= 100,
        "score": float(correct),
        "num_tokens": tokens,
        "categories": {"task": ["geometry"], "skill": skills},
        "attempts": attempts,
        "official": {"correct": correct if official is None else official, "prediction": "x"},
    }
    if attempts > 1:
        record["first_attempt"] = {
            "correct": first_correct,
            "format_ok": False,
            "num_tokens": 3,
            "official_correct": first_correct,
        }
    return record


def test_summary_figures() -> None:
    records = [
        _record(True, 10, ["algebra", "geometry"], official=False),
        _record(False, 20, ["algebra"], official=True),
        _record(True, 30, ["arithmetic"], attempts=3, first_correct=False),
        _record(False, 100, ["geometry"]),
    ]
    retry = {"rule": "vision-r1: re-sample while </answer> is missing", "max_retries": 4}
    summary = summarize(records, retry)
    assert (summary["accuracy"], summary["official_accuracy"]) == (50.0, 50.0)
    assert summary["extraction_rate"] == 50.0 and summary["truncated_rate"] == 25.0
    assert summary["by_category"]["skill"] == {
        "algebra": {"n": 2, "accuracy": 50.0, "official_accuracy": 50.0},
        "arithmetic": {"n": 1, "accuracy": 100.0, "official_accuracy": 100.0},
        "geometry": {"n": 2, "accuracy": 50.0, "official_accuracy": 0.0},
    }
    assert summary["by_category"]["task"] == {
        "geometry": {"n": 4, "accuracy": 50.0, "official_accuracy": 50.0}
    }
    assert summary["response_tokens"] == {"mean": 40.0, "p50": 25.0, "p90": 79.0, "p99": 97.9, "max": 100}
    assert summary["retry"] == {
        **retry,
        "samples_retried": 1,
        "extra_samples": 2,
        "accuracy_first_attempt": 25.0,
        "official_accuracy_first_attempt": 25.0,
    }
    assert "retry" not in summarize(records) and "pass_at_n" not in summary
    assert length_stats([]) == {"mean": 0.0, "p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0}


def test_mean_and_pass_at_n_and_the_headline_leaves_out_text_only() -> None:
    def item(name: str, verdicts: list[bool], version: str) -> list[dict]:
        return [
            {**_record(v, 10, ["s"], item=name, sample=k), "categories": {"problem_version": [version]}}
            for k, v in enumerate(verdicts)
        ]

    records = (
        item("1", [True, True, False, False], "Vision Only")  # 2 of 4
        + item("2", [False, False, False, False], "Text Lite")  # 0 of 4
        + item("3", [True, True, True, True], "Text Only")  # left out of the headline
    )
    summary = summarize(records, headline_excludes={"problem_version": ("Text Only",)})
    assert (summary["items"], summary["samples_per_item"]) == (3, 4)
    assert summary["accuracy"] == 25.0  # mean@4 over the two headline items: (0.5 + 0) / 2
    assert summary["pass_at_n"] == {"strict": 50.0, "official": 50.0}
    assert summary["headline"] == {"items": 2, "excluded": {"problem_version": ["Text Only"]}}
    assert summary["by_category"]["problem_version"]["Text Only"] == {
        "n": 1,
        "accuracy": 100.0,
        "official_accuracy": 100.0,
    }
    without_official = [{key: value for key, value in r.items() if key != "official"} for r in records]
    assert summarize(without_official)["official_accuracy"] is None


def test_table_in_paper_layout() -> None:
    summaries = {
        "heldout": {"accuracy": 80.0, "official_accuracy": None},
        "mm_math": {"accuracy": 40.2, "official_accuracy": 41.0},
        "mathvista": {"accuracy": 73.5, "official_accuracy": 74.1},
        "mathverse": {"accuracy": 52.4, "official_accuracy": 55.0, "samples_per_item": 4},
    }
    row = table_row("Vision-R1-7B", summaries)
    assert row["avg"] == 55.4 and row["official_avg"] == 56.7  # the paper's average, without the held-out set
    partial = table_row("sft", {"mathvista": {"accuracy": 70.0}})
    assert markdown_table([row, partial]).splitlines() == [
        "| model | score | MathVista | MathVerse | MM-Math | Avg | heldout | sampling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        "| Vision-R1-7B | official | 74.1 | 55.0 | 41.0 | 56.7 | - | mean@4 |",
        "| Vision-R1-7B | strict | 73.5 | 52.4 | 40.2 | 55.4 | 80.0 | mean@4 |",
        "| sft | strict | 70.0 | - | - | 70.0 | - | - |",
    ]
    resampled = table_row(
        "r1", {"mathvista": {"accuracy": 70.0, "retry": {"rule": "vision-r1", "max_retries": 4}}}
    )
    assert resampled["sampling"] == "vision-r1 (up to 4 more)"


@pytest.mark.parametrize(
    ("reward", "truth", "answer", "correct", "score"),
    [
        ("iou", "[10, 10, 50, 50]", "[12, 10, 50, 52]", True, 0.9069),
        ("iou", "[10, 10, 50, 50]", "[60, 60, 90, 90]", False, 0.0),
        ("classification", "rose", "Rose", True, 1.0),
        ("classification", "rose", "tulip", False, 0.0),
    ],
)
def test_box_and_label_items_use_their_reward_kind(
    reward: str, truth: str, answer: str, correct: bool, score: float
) -> None:
    item = EvalItem(
        item_id="1",
        messages=[{"role": "user", "content": "<image>Find the dog."}],
        images=[],
        answer=truth,
        reward=reward,
        data_source="refcoco_val",
        extra_info={"reward": reward, "coordinate_space": "pixel", "image_size": [100, 100]},
    )
    verdict = judge(item, f"<think>look</think><answer>{answer}</answer>")
    assert (verdict.correct, verdict.extracted, verdict.format_ok) == (correct, answer, True)
    assert verdict.score == pytest.approx(score, abs=1e-4)
