"""What every rotating-code check-in shares (a meeting's, a volunteering activity's): the code
she typed, cleaned; the screen the organiser shows (the current code, when it turns over, its QR
code); the code checked against the event's secret; and the guess budget per event and member.

The codes themselves are checkin_codes.py (TOTP-like, generic). Each event kind keeps its own
window (when check-in opens and closes) and its own rows; it passes the window and a budget key
here, so both kinds count wrong codes, forgive a Chinese keyboard's full-width digits and draw
the same QR code in one place.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from . import checkin_codes, throttle
from .errors import BadRequestError, TooManyRequestsError
from .settings import get_settings

CODE_FORMAT = "签到码为 6 位数字"
BAD_CODE = "签到码已过期或不正确，请扫描现场最新的签到码"


def clean_code(code: str) -> str:
    """The six digits she typed: full-width digits and spaces (a phone's Chinese keyboard)
    forgiven; anything else is a 400 that costs no guess."""
    digits = "".join(unicodedata.normalize("NFKC", code).split())
    if len(digits) != checkin_codes.DIGITS or not digits.isascii() or not digits.isdigit():
        raise BadRequestError(CODE_FORMAT)
    return digits


def qr_svg(text: str) -> str:
    """The QR code as a standalone SVG document (the page shows it as an image), sized by its
    viewBox only, so the page scales it to the screen."""
    import io

    import segno  # imported on first use: the other routes never pay for it

    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=1, border=2, omitsize=True, xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue().decode()


def screen(secret: str, now: float, url: str, origin: str) -> dict[str, Any]:
    """The organiser's screen: the code now, `refresh_at` (the next code starts: the page fetches
    it then), `valid_until` (this one is refused from then on), `now` (the server's time, so a
    phone whose clock is off still counts down right), the check-in link and its QR code."""
    step = get_settings().checkin_step_seconds
    current = checkin_codes.current(secret, now, step)
    url = url.replace("{code}", current.code)
    return {
        "code": current.code,
        "step_seconds": step,
        "refresh_at": current.refresh_at,
        "valid_until": current.valid_until,
        "now": round(now, 3),
        "url": url,
        "qr_svg": qr_svg(f"{origin}{url}"),
    }


def verify(secret: str, code: str, now: float) -> bool:
    return checkin_codes.verify(secret, code, now, get_settings().checkin_step_seconds)


def guess_budget(key: str, opens: float, closes: float, now: float, refusal: str) -> Any:
    """One budget per event and member for the whole check-in window: throttle's fixed-window
    counter, counted as at the window's opening (so every guess lands in the one counter,
    whatever the hour) with a window as long as check-in's (the counter expires after check-in
    closes). Taken before the code is looked at, so parallel guesses cannot slip past it; a
    refused guess waits for nothing (`refusal` says who records her check-in now). Returns the
    unit taken, for `give_back` when the code proves right."""
    length = max(60, math.ceil(closes - opens))
    try:
        return throttle.reserve_window(key, get_settings().checkin_max_wrong, length, opens)
    except TooManyRequestsError:
        raise TooManyRequestsError(refusal, max(1, math.ceil(closes - now))) from None


def give_back(unit: Any) -> None:
    """A right code's unit back: the budget counts wrong codes only (so her parallel taps of the
    right code never use it up)."""
    throttle.give_back(unit)


def site_origin(headers: Any) -> str:
    """The site's address for the QR code: its first configured origin, else the one the
    request came through (local development)."""
    origins = get_settings().site_origins
    if origins:
        return origins[0]
    proto = headers.get("x-forwarded-proto", "http")
    return f"{proto}://{headers.get('host', '127.0.0.1')}"
