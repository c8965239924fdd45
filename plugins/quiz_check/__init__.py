"""Checks the question banks and quizzes under `content/<QUIZ_PATH>/` at every build.

The build fails with `file:line: field: message` for every problem (tools/quiz_content.py, the
same validator the importer and the publisher use). Nothing of these files is written to the
site: they are not articles or pages (ARTICLE_EXCLUDES / PAGE_EXCLUDES) and not static files;
their answers reach only DynamoDB (`python -m tools.publish_quizzes`).
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


def _on_all_finalized(generators: list[Any]) -> None:
    check(generators[0].settings)


def register() -> None:
    signals.all_generators_finalized.connect(_on_all_finalized)
