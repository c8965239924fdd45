"""Which Official Account template message carries which kind of message, and how its fields are
filled: the organisation's own template ids (WeChat gives each account its own, chosen from the
category library in the 公众平台), from the setting `WECHAT_MP_TEMPLATES` (JSON):

    {"*": {"template_id": "<id>", "data": {"thing1": "title", "time2": "time", "thing3": "body"}},
     "dues_reminder": {"template_id": "<id>", "data": {...}},
     "political_birthday": null}

A key is a message kind (message_kinds.KINDS) or "*" (every kind not named); null turns a kind's
template messages off. `data` maps the template's field names to what fills them: `title`,
`body`, `kind` (the kind's label, e.g. 会议通知) or `time` (when it was posted, Beijing time). A
kind without a template is skipped for this channel with that reason (still in the 消息 centre).

Field lengths: WeChat's current templates type their fields by name (`thing…` at most 20
characters, `phrase…` 5, `character_string…` 32); a longer value is refused with 47003, so it is
cut here with "…". Older templates' `first`/`keywordN`/`remark` are not limited; since 2023
WeChat no longer shows `first` and `remark`, so a template should carry the title in a keyword.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from .message_kinds import KINDS
from .settings import SettingsError, get_settings

logger = logging.getLogger(__name__)
SOURCES = frozenset({"title", "body", "kind", "time"})
LIMITS = {"thing": 20, "phrase": 5, "character_string": 32}
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Template:
    template_id: str
    data: tuple[tuple[str, str], ...]  # (field name, source)


@lru_cache(maxsize=4)
def parse(raw: str) -> dict[str, Template | None]:
    """The setting's templates by kind ("*": the default); SettingsError names what is wrong."""
    if not raw.strip():
        return {}
    try:
        spec = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"WECHAT_MP_TEMPLATES is not valid JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise SettingsError("WECHAT_MP_TEMPLATES must be a JSON object {kind: template}")
    out: dict[str, Template | None] = {}
    for kind, entry in spec.items():
        where = f"WECHAT_MP_TEMPLATES[{kind!r}]"
        if kind != "*" and kind not in KINDS:
            raise SettingsError(f"{where}: no such message kind (message_kinds.KINDS)")
        if entry is None:
            out[kind] = None
            continue
        if not isinstance(entry, dict) or not str(entry.get("template_id") or "").strip():
            raise SettingsError(f"{where}: needs a template_id")
        data = entry.get("data")
        if not isinstance(data, dict) or not data:
            raise SettingsError(f"{where}: needs data {{field: source}}")
        bad = {f: s for f, s in data.items() if s not in SOURCES}
        if bad:
            raise SettingsError(f"{where}: unknown sources {bad} (one of {sorted(SOURCES)})")
        out[kind] = Template(str(entry["template_id"]).strip(), tuple(data.items()))
    return out


def templates() -> dict[str, Template | None]:
    return parse(get_settings().wechat_mp_templates)


def configured() -> bool:
    """At least one kind has a template. A malformed setting leaves the channel off (logged, once
    per container) rather than failing `outbox.post`: the 消息 centre must still get the message."""
    try:
        table = templates()
    except SettingsError as exc:
        _log_once(str(exc))
        return False
    return any(t is not None for t in table.values())


@lru_cache(maxsize=4)
def _log_once(error: str) -> None:
    logger.error("Official Account template messages off: %s", error)


def for_kind(kind: str) -> Template | None:
    table = templates()
    return table[kind] if kind in table else table.get("*")


def _cut(field: str, value: str) -> str:
    limit = next((n for prefix, n in LIMITS.items() if field.startswith(prefix)), None)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def render(template: Template, title: str, body: str, kind: str, created: float) -> dict:
    """The request's `data`: {field: {"value": ...}}."""
    when = datetime.fromtimestamp(created, BEIJING)
    values = {
        "title": title,
        "body": body or title,
        "kind": KINDS[kind].label if kind in KINDS else kind,
        "time": f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}",
    }
    return {field: {"value": _cut(field, values[source])} for field, source in template.data}
