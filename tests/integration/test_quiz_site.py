"""The built site has the quiz pages and not one word of a bank: no stem, option, answer or
explanation of content/quizzes/ anywhere under the output folder."""

from __future__ import annotations

from pathlib import Path

from tools import quiz_content


def _texts(site: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="ignore") for p in site.rglob("*") if p.is_file()
    )


def test_no_bank_text_reaches_the_site(site):
    files = [p for p in site.site.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in {".yaml", ".yml"}]
    built = _texts(site.site)
    content = quiz_content.load()
    leaked = []
    for bank in content.banks.values():
        for q in bank.questions:
            secrets = [q["stem"], q["explanation"]]
            secrets += [o for o in q["options"] if len(o) >= 8]
            if q["type"] == "fill":
                secrets += [alt for alts in q["answer"] for alt in alts if len(alt) >= 4]
            leaked += [s for s in secrets if s and s in built]
    assert not leaked, leaked
    assert bank.bank_id not in built


def test_the_quiz_pages_are_built_and_linked(site):
    assert (site.site / "quiz.html").is_file()
    assert (site.site / "quiz-play.html").is_file()
    assert 'href="/quiz.html"' in (site.site / "learn.html").read_text(encoding="utf-8")
