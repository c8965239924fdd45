"""Signing in on a phone page the way a member does: the login form, then the page she asked for."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tools.fixtures import PASSWORD


def sign_in(page: Page, url: str, member_no: str, next_path: str) -> None:
    """Log in through /login.html?next=…, and return once she has landed on `next_path`: its
    whole origin and path are waited for, never a part the login page's own `?next=` also
    holds (that match would come before the sign-in is done), and the page has loaded."""
    page.goto(f"{url}/login.html?next={quote(next_path, safe='/')}")
    page.fill("#member_no", member_no)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    landed = next_path.split("#")[0].split("?")[0]
    expect(page).to_have_url(re.compile("^" + re.escape(url + landed) + r"(?:[?#]|$)"))
    # The address changes before the page has its styles: a size measured then is the bare
    # element's (a 44 px field read as 21 px under load).
    page.wait_for_load_state("load")
