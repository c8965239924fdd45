"""The registry's audit log (党务工作台: registry upkeep in the browser, the console's import).

One item per entry AND per unit whose log shows it: every unit on the path of each unit the
change concerns (a member's branch, a moved member's old and new branch, a unit, its old and
new parent), so staff over any of them read their log with ONE Query of their unit's partition,
newest first, and a move is seen from both sides. The items of an entry are written in the same
transaction as the change itself.

The same table keeps each request's mark (`unit_id` "req#<staff>#<request key>", `sort`
"mark"), written in that transaction too: a retry of a request that was done finds its mark
and answers what it did, never a second change.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class AuditEntry(Model):
    Meta = table_meta("registry-audit")
    unit_id = UnicodeAttribute(hash_key=True)  # whose log, or "req#…" for a request mark
    sort = UnicodeAttribute(range_key=True)  # "<epoch ms, 13 digits>#<entry id>", or "mark"
    entry_id = UnicodeAttribute()
    at = NumberAttribute()  # epoch seconds
    actor_no = UnicodeAttribute()
    actor_name = UnicodeAttribute()
    action = UnicodeAttribute()  # registry_audit.ACTIONS
    target_kind = UnicodeAttribute()  # "member" / "unit" / "import"
    target_id = UnicodeAttribute()
    target_name = UnicodeAttribute()
    before = UnicodeAttribute(null=True)  # JSON object of the fields changed, as they were
    after = UnicodeAttribute(null=True)  # ... and as they are
    units = ListAttribute(of=UnicodeAttribute, default=list)  # the units concerned
    # A request mark's: hash of its route, target and body (registry_audit.request_key).
    fingerprint = UnicodeAttribute(null=True)
    # An entry's request mark ("req#<staff>#<request key>"): the mark repeats the entry (names,
    # the answer), so the deletion of a departed member's data finds it through her entries.
    mark_key = UnicodeAttribute(null=True)
