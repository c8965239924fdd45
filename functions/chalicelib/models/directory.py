"""通讯录: the compact name index a member's search reads instead of the members table.

The members table is keyed by member number, so a search by name would need a Scan. This table
holds every active member as one map entry `member_no -> "name<TAB>branch_id"`, spread over a
fixed number of shards (`chalicelib.directory.SHARDS`) by a hash of the member number: a search
reads the shards in one BatchGetItem, and a change of one member is one UpdateItem of one map key
(`directory.member_changed`), with no read first and no lost update between parallel writers.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class DirectoryShard(Model):
    """One shard of the name index ("s0" … "s7"); `entries` maps member number → name and branch."""

    Meta = table_meta("directory")
    shard = UnicodeAttribute(hash_key=True)
    entries = MapAttribute(default=dict)
    rebuilt_at = UnicodeAttribute(null=True)  # the last full rebuild (tools/directory_index.py)
