"""Checks the question banks and quizzes under `content/<QUIZ_PATH>/` at every build.

The build fails with `file:line: field: message` for every problem (tools/quiz_content.py, the
same validator the importer and the publisher use). Nothing of these files is written to the
site: they are not articles or pages (ARTICLE_EXCLUDES / PAGE_EXCLUDES) and not static files;
their answers reach only DynamoDB (`python -m tools.publish_quizzes`).

The quiz hub's template gets `QUIZ_ENTRIES` (no answers: id, kind, titles): the quizzes open to
every member, in the API's order, drawn before the member's states arrive so the list does not
shift the page when it fills in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pelican import signals

from tools import quiz_content
from tools.site_content import load_units, units_file


def check(settings: dict[str, Any]) -> quiz_content.Content:
    folder = Path(settings["PATH"]) / settings.get("QUIZ_PATH", "quizzes")
    units = set(load_units(units_file(settings)))
    return quiz_content.load(folder, units)


def hub_entries(content: quiz_content.Content) -> list[dict[str, str]]:
    """What the hub lists for every member (chalicelib.quiz_reports.hub's order and fields)."""
    from chalicelib.quizzes import KIND_LABELS

    order = {"daily": 0, "challenge": 1, "exam": 2, "survey": 3}
    return [
        {
            "id": q.quiz_id,
            "kind": q.kind,
            "kind_label": KIND_LABELS[q.kind],
            "title": q.title,
            "description": q.settings.get("description") or "",
        }
        for q in sorted(content.quizzes.values(), key=lambda q: (order[q.kind], q.quiz_id))
        if not q.settings.get("scope")
    ]


def _on_generator_init(generator: Any) -> None:
    # One read per build: the generators of a run share their context.
    if "QUIZ_ENTRIES" not in generator.context:
        generator.context["QUIZ_ENTRIES"] = hub_entries(check(generator.settings))
    generator.env.globals["QUIZ_ENTRIES"] = generator.context["QUIZ_ENTRIES"]


def _on_all_finalized(generators: list[Any]) -> None:
    check(generators[0].settings)


def register() -> None:
    signals.generator_init.connect(_on_generator_init)
    signals.all_generators_finalized.connect(_on_all_finalized)
