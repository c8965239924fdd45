"""Publish the question banks and quizzes of `content/quizzes/` to DynamoDB:
`python -m tools.publish_quizzes [FOLDER]` (`make dev` runs it; a deploy runs it after the site).

Everything is checked first with the build's validator (tools/quiz_content.py): one problem and
nothing is written. A bank version is its content hash: an unchanged bank writes nothing, an
edited one is written beside the old version (kept for the attempts that used it). A quiz is
rewritten only when its settings or question pool changed; a quiz no longer in the folder is
unlisted (its attempts, scores and tallies stay).
"""

from __future__ import annotations

import sys
from pathlib import Path

from chalicelib import clock
from chalicelib.models import Quiz, QuizQuestion
from tools import quiz_content
from tools.site_content import ContentError, load_units

ROOT = Path(__file__).resolve().parent.parent


def publish(
    folder: Path = quiz_content.QUIZ_DIR, units_file: Path | None = ROOT / "content" / "units.csv"
) -> dict[str, int]:
    """Validate and write; returns counts of what was written."""
    unit_ids = set(load_units(units_file)) if units_file else None
    content = quiz_content.load(Path(folder), unit_ids)
    counts = {"banks_written": 0, "questions_written": 0, "quizzes_written": 0, "unlisted": 0}
    for bank in content.banks.values():
        if QuizQuestion.count(bank.bank_version, limit=1) > 0:
            continue  # this exact version is there already
        with QuizQuestion.batch_write() as batch:
            for q in bank.questions:
                batch.save(QuizQuestion(bank.bank_version, q["id"], data=q))
        counts["banks_written"] += 1
        counts["questions_written"] += len(bank.questions)
    for quiz in content.quizzes.values():
        try:
            stored = Quiz.get(quiz.quiz_id)
            if stored.version == quiz.version and stored.listed == "1":
                continue
        except Quiz.DoesNotExist:
            pass
        Quiz(
            quiz.quiz_id,
            kind=quiz.kind,
            title=quiz.title,
            settings=quiz.settings,
            pool=quiz.pool,
            version=quiz.version,
            published_at=clock.now(),
            listed="1",
        ).save()
        counts["quizzes_written"] += 1
    for listed in Quiz.by_listed.query("1"):
        if listed.quiz_id not in content.quizzes:
            Quiz(listed.quiz_id).update(actions=[Quiz.listed.remove()])
            counts["unlisted"] += 1
    return counts


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else quiz_content.QUIZ_DIR
    try:
        counts = publish(folder)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"quizzes: {counts['banks_written']} bank versions ({counts['questions_written']} "
        f"questions), {counts['quizzes_written']} quizzes written, {counts['unlisted']} unlisted"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
