"""The report's HTML: one file with every picture embedded as a base64 PNG, so it can be mailed,
attached to an issue or opened from any folder without its neighbours."""

from __future__ import annotations

import base64
import json
from typing import Any

import jinja2
import yaml

from vision_r1.evaluation.tasks import format_cell

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>vision-r1 report: {{ run.name }}</title>
<style>
 body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1280px;
        padding: 1.2em 2em; color: #1d1d1f; }
 h1 { margin-bottom: 0.1em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
 .meta { color: #666; } table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
 th, td { border: 1px solid #ddd; padding: 0.3em 0.7em; } th { background: #f4f5f7; text-align: left; }
 td.num { text-align: right; font-variant-numeric: tabular-nums; }
 .status-done { color: #1a7f37; } .status-failed { color: #cf222e; font-weight: bold; }
 .status-running { color: #9a6700; } figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
 figcaption { color: #555; font-size: 0.9em; } pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto;
 font-size: 0.85em; } .notes li { color: #9a6700; }
</style>
</head>
<body>
<h1>{{ run.name }}</h1>
<p class="meta">Run directory <code>{{ run.run_dir }}</code> &middot; generated {{ generated }}</p>
{% if run.notes %}<h2>Notes</h2><ul class="notes">{% for note in run.notes %}<li>{{ note }}</li>{% endfor %}</ul>{% endif %}
{% if stage_rows %}
<h2>Stages</h2>
<table><tr><th>stage</th><th>kind</th><th>status</th><th>started</th><th>finished</th><th>duration</th><th>steps</th></tr>
{% for r in stage_rows %}<tr><td>{{ r.name }}</td><td>{{ r.kind }}</td><td class="status-{{ r.status }}">{{ r.status }}</td>
<td>{{ r.started }}</td><td>{{ r.finished }}</td><td class="num">{{ r.duration }}</td><td class="num">{{ r.steps }}</td></tr>
{% endfor %}</table>
{% endif %}
{% if eval %}
<h2>Evaluation</h2>
<table><tr><th>model</th><th>score</th>{% for c in eval.columns %}<th>{{ c }}</th>{% endfor %}{% if eval.sampled %}<th>sampling</th>{% endif %}</tr>
{% for row in eval.rows %}<tr><td>{{ row.label }}</td><td>{{ row.score }}</td>{% for v in row.cells %}<td class="num">{{ '-' if v is none else '%.1f' % v }}</td>{% endfor %}{% if eval.sampled %}<td>{{ row.sampling or '-' }}</td>{% endif %}</tr>
{% endfor %}</table>
<table><tr><th>stage</th><th>benchmark</th><th>items</th><th>official</th><th>strict</th><th>format %</th><th>answer found %</th>
<th>truncated %</th><th>tokens mean</th><th>p50</th><th>p90</th><th>max</th></tr>
{% for d in eval.details %}<tr><td>{{ d.stage }}</td><td>{{ d.title }}</td><td class="num">{{ d['items'] }}</td>
<td class="num">{{ '%.1f' % d.official_accuracy if d.official_accuracy is number else '-' }}</td>
<td class="num">{{ '%.1f' % d.accuracy }}</td><td class="num">{{ '%.1f' % d.format_rate }}</td>
<td class="num">{{ '%.1f' % d.extraction_rate }}</td><td class="num">{{ '%.1f' % d.truncated_rate if d.truncated_rate is number else '-' }}</td>
<td class="num">{{ '%.0f' % d.response_tokens.mean }}</td><td class="num">{{ '%.0f' % d.response_tokens.p50 }}</td>
<td class="num">{{ '%.0f' % d.response_tokens.p90 }}</td><td class="num">{{ d.response_tokens.max }}</td></tr>
{% endfor %}</table>
{% for d in eval.details if d.get('task') %}
<h3>{{ d.stage }} &middot; {{ d.title }}: {{ d.metric }} {{ '%.2f' % d.accuracy }}</h3>
<table><tr>{% for k in d.task['values'] %}<th>{{ k }}</th>{% endfor %}</tr>
<tr>{% for v in d.task['values'].values() %}<td class="num">{{ v | cell }}</td>{% endfor %}</tr></table>
{% for title, table in d.task.tables.items() %}
<details><summary>{{ title }}</summary><table><tr><th>label</th>{% for c in table.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for label, cells in table.rows.items() %}<tr><td>{{ label }}</td>{% for c in cells %}<td class="num">{{ c | cell }}</td>{% endfor %}</tr>
{% endfor %}</table></details>
{% endfor %}
{% endfor %}
{% endif %}
{% for p in pictures %}
<h2>{{ p.title }}</h2>
<figure><img alt="{{ p.title }}" src="data:image/png;base64,{{ p.png | b64 }}">
{% if p.caption %}<figcaption>{{ p.caption }}</figcaption>{% endif %}</figure>
{% endfor %}
{% for name, data in stats %}
<details><summary>stats.json of {{ name }}</summary><pre>{{ data | pretty_json }}</pre></details>
{% endfor %}
{% if run.recipe %}
<h2>Resolved recipe</h2>
<pre>{{ run.recipe | yaml }}</pre>
{% endif %}
</body>
</html>
"""


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    environment.filters["yaml"] = lambda data: yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    environment.filters["pretty_json"] = lambda data: json.dumps(data, indent=2, ensure_ascii=False)
    environment.filters["cell"] = format_cell
    return environment


def render_page(context: dict[str, Any]) -> str:
    return _environment().from_string(TEMPLATE).render(**context)
