"""党费收缴: each month's expected dues per member, payments recorded against them, arrears.

- **Months.** A member's month row (`DuesMonth`) holds the amount in force that month (read
  only through `dues_assessment.in_force`; none: 未核定, listed for staff, never zero) and her
  branch as it was. The scheduled step (`open_due`, from the hourly reminders function) opens
  the current month for every active member once (`DuesRun` marks it done); a payment or a view
  opens a month nobody opened yet for the members it concerns (`open_member_month`). A row
  once opened keeps its branch (a unit's past figures stay as they were); her rows' amounts
  follow her assessment in force when refreshed (`ensure_current`), overpaid shows as credit.
  A member transferred out gets no new row; her rows after the month she left are not counted.
- **Payments** (`record`): allocated to the oldest unpaid months first (arrears), then the
  current month, then up to `MAX_AHEAD` months ahead (预交); a partial payment leaves a month
  partly paid. One DynamoDB transaction writes the payment (on the condition that its reference
  is new) and every month's share (each on the condition that the month's paid amount is still
  what the plan read, or that a future month does not exist yet): two requests with one
  reference record it once, two payments of one member at once are both counted exactly (the
  loser re-reads and plans again), and a failure before the transaction leaves nothing to undo.
- **Reversal** (`reverse`, her branch's secretary, with a reason): one transaction marks the
  payment reversed and takes its shares back; the reference stays used (a re-import does not
  record it again).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import clock, dues_assessment, scope
from .errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ServiceUnavailableError,
)
from .identifiers import is_client_key, is_member_no
from .models import Member, OrgUnit
from .models.base import Transaction, TransactionCancelled
from .models.dues_collection import DuesMonth, DuesPayment
from .registry import get_member, get_unit
from .scope import Caller

MAX_AHEAD = 12  # advance payments cover at most this many months after the current one
MAX_AMOUNT_FEN = 10_000_000  # 10 万元: one payment above it is a typing error
MAX_PAYMENT_AGE_DAYS = 400  # a payment dated earlier than this is refused (typing error)
MAX_MONTHS = 90  # months one payment may touch (a transaction holds 100 items)
ATTEMPTS = 8
# ASCII digits only (Python's \d also takes "２０２６"), years 2000–2100.
YEAR = r"(20[0-9]{2}|2100)"
MONTH = re.compile(rf"^{YEAR}-(0[1-9]|1[0-2])$")
BANK_REF = re.compile(r"^[0-9A-Za-z_-]{4,40}$")
NOT_FOUND = "党员不存在或您无权管理其党费"

STATUS_LABELS = {
    "paid": "已交清",
    "partial": "部分交纳",
    "unpaid": "未交",
    "unassessed": "未核定",
    "exempt": "免交",
    "advance": "已预交",
    "due": "未到期",
}
METHOD_LABELS = {"bank": "银行代扣/转账", "cash": "现金（支部代收）"}


# --- months and money -------------------------------------------------------------------------


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def current_month() -> str:
    return month_of(clock.today())


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    total = y * 12 + (m - 1) + n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals ("120.00")."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def month_label(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


def parse_month(value: Any, field: str = "月份") -> str:
    if not isinstance(value, str) or not MONTH.match(value):
        raise BadRequestError(f"{field}格式应为 YYYY-MM，如 2026-12")
    return value


def status_of(month: str, expected: int | None, paid: int, current: str) -> str:
    if expected is None:
        return "unassessed"
    if expected == 0:
        return "exempt"
    if paid >= expected:
        return "advance" if month > current else "paid"
    if paid > 0:
        return "partial"
    return "due" if month > current else "unpaid"


# --- opening months ---------------------------------------------------------------------------


def tree_key(path: Iterable[str], member_no: str) -> str:
    return "/".join(path) + "/#" + member_no


def open_member_month(member: Member, branch_path: list[str], month: str) -> DuesMonth:
    """Her row for `month` with the amount in force and her branch (the last unit of
    `branch_path`), created if missing; an existing row keeps what was paid and the branch it
    was opened in (a view by her new branch after a move must not take the month from the old
    one): opening again refreshes only the amount."""
    found = dues_assessment.in_force(member.member_no, month)
    row = DuesMonth(member.member_no, month)
    actions = [
        DuesMonth.name.set(DuesMonth.name | member.name),
        DuesMonth.branch_id.set(DuesMonth.branch_id | branch_path[-1]),
        DuesMonth.tree_key.set(DuesMonth.tree_key | tree_key(branch_path, member.member_no)),
        DuesMonth.paid_fen.set(DuesMonth.paid_fen | 0),
        DuesMonth.opened_at.set(DuesMonth.opened_at | clock.now()),
    ]
    if found is None:
        actions += [DuesMonth.expected_fen.remove(), DuesMonth.assessed_from.remove()]
    else:
        actions += [
            DuesMonth.expected_fen.set(int(found.amount_fen)),
            DuesMonth.assessed_from.set(found.effective_from),
        ]
    row.update(actions=actions)
    return row


def member_months(member_no: str) -> list[DuesMonth]:
    """Her month rows, oldest first (one Query; a dozen a year)."""
    return list(DuesMonth.query(member_no, consistent_read=True))


def _in_force_from(history: list[Any], month: str) -> Any:
    """The assessment in force for `month` among her history (newest first), or None."""
    return next((a for a in history if a.effective_from <= month), None)


def ensure_current(member: Member, rows: list[DuesMonth]) -> list[DuesMonth]:
    """Her rows with the current month opened (lazily, when the scheduled step has not reached
    her yet), and every row brought up to date where her assessment in force for its month
    changed since it was opened (a new one, or a past month's `--correct`): its expected amount
    follows, its paid amount and branch stay — an amount lowered below what was paid leaves a
    credit (`credit_fen`), never a loss; one raised leaves arrears. One Query of her history."""
    month = current_month()
    history = dues_assessment.history(member.member_no)
    fresh: dict[str, DuesMonth] = {}
    for row in rows:
        found = _in_force_from(history, row.month)
        same = (found is None and row.expected_fen is None) or (
            found is not None
            and row.expected_fen is not None
            and int(row.expected_fen) == int(found.amount_fen)
            and row.assessed_from == found.effective_from
        )
        if not same:
            fresh[row.month] = open_member_month(member, row.tree_key.split("/")[:-1], row.month)
    has_current = any(r.month == month for r in rows)
    if member.active and not has_current:  # transferred out: no new months
        path = list(get_unit(member.branch_id).path)
        fresh[month] = open_member_month(member, path, month)
    if not fresh:
        return rows
    kept = [r for r in rows if r.month not in fresh]
    return sorted(kept + list(fresh.values()), key=lambda r: r.month)


def left_month(member: Member) -> str | None:
    """The month she was transferred out ("YYYY-MM", China time), None while she is a member
    (or inactive without a transfer date: a registry change, her rows count as they were)."""
    at = None if member.active else getattr(member, "transferred_out_at", None)
    if at is None:
        return None
    return month_of(datetime.fromtimestamp(float(at), clock.TZ).date())


def counted(rows: list[DuesMonth]) -> list[DuesMonth]:
    """The rows a unit's figures count: a member transferred out keeps the months up to the one
    she left (her branch's figures of them stay as they were); a month after it (paid ahead
    before she left) no longer counts anywhere — its payment stays recorded on her row, shown
    to her branch's staff, and a refund is finance's business. One BatchGet per 100 members."""
    numbers = sorted({r.member_no for r in rows})
    left: dict[str, str] = {}
    for i in range(0, len(numbers), 100):
        for m in Member.batch_get(
            numbers[i : i + 100], attributes_to_get=["member_no", "active", "transferred_out_at"]
        ):
            month = left_month(m)
            if month is not None:
                left[m.member_no] = month
    return [r for r in rows if r.member_no not in left or r.month <= left[r.member_no]]


def open_branch_month(branch: OrgUnit, month: str, have: set[str]) -> list[str]:
    """A branch's month viewed before the scheduled step reached it: its active members without
    a row get one (her branch is this branch: the view is of the current month)."""
    added = []
    for member in Member.by_branch.query(branch.unit_id):
        if member.active and member.member_no not in have:
            open_member_month(member, list(branch.path), month)
            added.append(member.member_no)
    return added


# --- allocation (pure) ------------------------------------------------------------------------


class TooMuchError(ValueError):
    """More than is owed now and `MAX_AHEAD` months ahead: the surplus in fen."""

    def __init__(self, surplus: int) -> None:
        super().__init__(surplus)
        self.surplus = surplus


def allocate(owed: list[tuple[str, int]], amount: int) -> dict[str, int]:
    """Split `amount` over the months owed, in the order given (oldest first): each month takes
    what it still lacks until the amount is used up. Raises TooMuchError for a surplus."""
    out: dict[str, int] = {}
    left = amount
    for month, lacking in owed:
        if left <= 0:
            break
        if lacking <= 0:
            continue
        take = min(lacking, left)
        out[month] = take
        left -= take
    if left > 0:
        raise TooMuchError(left)
    return out


@dataclass
class _Plan:
    shares: dict[str, int]
    rows: dict[str, DuesMonth]  # existing rows read (their paid amount is the condition)
    new: dict[str, tuple[int, str]]  # future months to create: month → (expected, from)


def _plan(member: Member, rows: list[DuesMonth], amount: int) -> _Plan:
    current = current_month()
    by_month = {r.month: r for r in rows}
    owed = [
        (r.month, int(r.expected_fen) - int(r.paid_fen or 0))
        for r in rows
        if r.expected_fen is not None
    ]
    new: dict[str, tuple[int, str]] = {}
    need = amount - sum(max(0, lack) for _, lack in owed)
    for n in range(1, MAX_AHEAD + 1):
        if need <= 0:
            break
        month = add_months(current, n)
        if month in by_month:
            continue
        found = dues_assessment.in_force(member.member_no, month)
        if found is None or not found.amount_fen:
            continue
        new[month] = (int(found.amount_fen), found.effective_from)
        owed.append((month, int(found.amount_fen)))
        need -= int(found.amount_fen)
    owed.sort()
    shares = allocate(owed, amount)
    if len(shares) > MAX_MONTHS:
        raise BadRequestError(f"一笔付款最多抵扣 {MAX_MONTHS} 个月的党费，请分笔记录")
    return _Plan(shares, by_month, {m: new[m] for m in shares if m in new})


def room(member_no: str) -> int | None:
    """What a payment of hers may be now, without writing anything: what her months lack (the
    current one as in force if not opened) and up to `MAX_AHEAD` months ahead. None: she has no
    assessment at all (未核定)."""
    current = current_month()
    rows = {r.month: r for r in member_months(member_no)}
    total = sum(
        max(0, int(r.expected_fen) - int(r.paid_fen or 0))
        for r in rows.values()
        if r.expected_fen is not None and r.month <= current
    )
    assessed = any(r.expected_fen is not None for r in rows.values())
    for n in range(0, MAX_AHEAD + 1):
        month = add_months(current, n)
        row = rows.get(month)
        if row is not None:
            if n:
                total += max(0, int(row.expected_fen or 0) - int(row.paid_fen or 0))
            continue
        found = dues_assessment.in_force(member_no, month)
        if found is not None:
            assessed = True
            total += int(found.amount_fen)
    return total if assessed else None


# --- recording a payment ----------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentIn:
    ref: str
    member_no: str
    amount_fen: int
    paid_on: str
    method: str  # "bank" / "cash"
    source: str
    recorded_by: str
    note: str | None = None


class PaymentRefusedError(ValueError):
    """The payment cannot be recorded (a Chinese reason); nothing was written."""


def cash_ref(staff_no: str, request_key: str) -> str:
    digest = hashlib.sha256(f"dues-cash\n{staff_no}\n{request_key}".encode()).hexdigest()
    return "cash:" + digest[:32]


def bank_ref(reference: str) -> str:
    return "bank:" + reference


def get_payment(ref: str) -> DuesPayment | None:
    try:
        return DuesPayment.get(ref, consistent_read=True)
    except DuesPayment.DoesNotExist:
        return None


def _same(existing: DuesPayment, p: PaymentIn) -> bool:
    return (existing.member_no, int(existing.amount_fen), existing.paid_on) == (
        p.member_no,
        p.amount_fen,
        p.paid_on,
    )


def _existing(existing: DuesPayment, p: PaymentIn) -> tuple[DuesPayment, bool]:
    if not _same(existing, p):
        raise PaymentRefusedError(
            f"付款编号 {p.ref.split(':', 1)[1]} 已用于另一笔付款（党员 {existing.member_no}，"
            f"{yuan(existing.amount_fen)} 元，{existing.paid_on}）"
        )
    return existing, False


def _month_actions(member: Member, path: list[str], month: str, share: int, ref: str, new):
    if new is None:
        return [DuesMonth.paid_fen.add(share), DuesMonth.refs.add({ref})]
    expected, effective_from = new
    return [
        DuesMonth.name.set(member.name),
        DuesMonth.branch_id.set(member.branch_id),
        DuesMonth.tree_key.set(tree_key(path, member.member_no)),
        DuesMonth.expected_fen.set(expected),
        DuesMonth.assessed_from.set(effective_from),
        DuesMonth.paid_fen.set(share),
        DuesMonth.refs.set({ref}),
        DuesMonth.opened_at.set(clock.now()),
    ]


def record(p: PaymentIn, member: Member | None = None) -> tuple[DuesPayment, bool]:
    """Record the payment once: (payment, created). The same reference again with the same
    member, amount and date answers the recorded one (created False); with anything else it
    is refused. Raises PaymentRefusedError (nothing written) when it cannot be allocated."""
    existing = get_payment(p.ref)
    if existing is not None:
        return _existing(existing, p)
    member = member or get_member(p.member_no, consistent=True)
    if member is None or not member.active:
        raise PaymentRefusedError(f"党员 {p.member_no} 不存在或已停用")
    path = list(get_unit(member.branch_id).path)
    for attempt in range(ATTEMPTS):
        rows = ensure_current(member, member_months(member.member_no))
        if (
            not any(r.expected_fen for r in rows)
            and dues_assessment.in_force(member.member_no, add_months(current_month(), 1)) is None
        ):
            raise PaymentRefusedError(f"党员 {p.member_no} 的党费尚未核定，无法记录交费")
        try:
            plan = _plan(member, rows, p.amount_fen)
        except TooMuchError as exc:
            raise PaymentRefusedError(
                f"金额超出应交与可预交（至多预交 {MAX_AHEAD} 个月）的合计 {yuan(exc.surplus)} 元"
            ) from None
        payment = DuesPayment(
            p.ref,
            member_no=member.member_no,
            name=member.name,
            amount_fen=p.amount_fen,
            paid_on=p.paid_on,
            method=p.method,
            source=p.source,
            recorded_at=clock.now(),
            recorded_by=p.recorded_by,
            note=p.note,
            allocations=dict(plan.shares),
            state="applied",
        )
        try:
            with Transaction() as tx:
                tx.save("payment", payment, condition=DuesPayment.ref.does_not_exist())
                for month, share in sorted(plan.shares.items()):
                    new = plan.new.get(month)
                    row = DuesMonth(member.member_no, month)
                    if new is None:
                        seen = int(plan.rows[month].paid_fen or 0)
                        cond = DuesMonth.paid_fen == seen
                    else:
                        cond = DuesMonth.member_no.does_not_exist()
                    actions = _month_actions(member, path, month, share, p.ref, new)
                    tx.update(month, row, actions=actions, condition=cond)
            return payment, True
        except TransactionCancelled as exc:
            if exc.failed("payment"):
                found = get_payment(p.ref)
                if found is not None:
                    return _existing(found, p)
            # Another payment of hers changed a month first (or a conflict): read, plan again.
            time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
    raise ServiceUnavailableError("同一党员的交费记录正被同时修改，请稍后重试", retry_after=2)


def reverse(caller: Caller, ref: str, reason: Any) -> dict[str, Any]:
    """冲正: staff managing her branch take a payment back, with a reason (2–200 字)."""
    if not isinstance(reason, str) or not 2 <= len(reason.strip()) <= 200:
        raise BadRequestError("冲正理由须为 2–200 字")
    payment = get_payment(ref) if isinstance(ref, str) and len(ref) <= 60 else None
    if payment is None:
        raise NotFoundError("付款记录不存在或您无权管理")
    _managed_member(caller, payment.member_no, "付款记录不存在或您无权管理")
    if payment.state == "reversed":
        return {"changed": False, "payment": payment_view(payment)}
    try:
        with Transaction() as tx:
            tx.update(
                "payment",
                payment,
                actions=[
                    DuesPayment.state.set("reversed"),
                    DuesPayment.reversed_at.set(clock.now()),
                    DuesPayment.reversed_by.set(caller.member_no),
                    DuesPayment.reverse_reason.set(reason.strip()),
                ],
                condition=DuesPayment.state == "applied",
            )
            for month, share in sorted(allocations_of(payment).items()):
                tx.update(
                    month,
                    DuesMonth(payment.member_no, month),
                    actions=[DuesMonth.paid_fen.add(-int(share)), DuesMonth.refs.delete({ref})],
                    condition=DuesMonth.paid_fen >= int(share),
                )
    except TransactionCancelled as exc:
        if exc.failed("payment"):  # reversed by someone else meanwhile
            return {"changed": False, "payment": payment_view(get_payment(ref))}
        raise
    return {"changed": True, "payment": payment_view(get_payment(ref))}


# --- who may ----------------------------------------------------------------------------------


# Her monthly amount gives her 党费基数 back through the rates (45.67 元 at 1%: base 4567), so
# per-member amounts (expected, paid, payments) follow the assessment's rule
# (`scope.require_own_or_branch_staff`): herself and the staff of HER OWN branch (支部书记,
# 支部委员). Staff above the branch (党总支, 党委, 管理员) see each member's status without
# amounts, and money totals only where no member's amount can be read from them (`_money_ok`).
# Recording cash and 冲正 are her branch's secretary's (a role at her branch that manages it).
MIN_GROUP = 3  # a branch's money totals reach staff above it only with this many assessed


def branch_private(caller: Caller, member_no: str, branch_id: str | None) -> bool:
    """May the caller see this member's amounts? (herself, or a role at that branch itself)"""
    try:
        scope.require_own_or_branch_staff(caller, member_no, branch_id)
    except ForbiddenError:
        return False
    return True


def branch_secretary(caller: Caller, branch: OrgUnit) -> bool:
    """A role at this branch itself that manages it (支部书记): records cash and reverses."""
    return branch_private(caller, "", branch.unit_id) and (
        scope.unit_access(caller, branch.path) == "manage"
    )


def _managed_member(caller: Caller, member_no: Any, refusal: str = NOT_FOUND) -> Member:
    """The member, if the caller is her branch's secretary; one refusal for an unknown number
    and one out of scope, so nobody learns which numbers exist."""
    member = get_member(member_no, consistent=True) if is_member_no(member_no) else None
    if member is None or not branch_secretary(caller, get_unit(member.branch_id)):
        raise NotFoundError(refusal)
    return member


def parse_paid_on(value: Any, field: str = "交费日期") -> str:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequestError(f"{field}格式应为 YYYY-MM-DD")
    today = clock.today()
    if day > today:
        raise BadRequestError(f"{field}不能晚于今天")
    if (today - day).days > MAX_PAYMENT_AGE_DAYS:
        raise BadRequestError(f"{field}过早（最多补记 {MAX_PAYMENT_AGE_DAYS} 天内的交费）")
    return day.isoformat()


def record_cash(caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Staff record a cash payment handed to the branch; idempotent by the request key."""
    if not is_client_key(body.get("request_key")):
        raise BadRequestError("请求编号（request_key）格式不正确")
    amount = body.get("amount_fen")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_AMOUNT_FEN:
        raise BadRequestError(f"金额须为 0.01 至 {yuan(MAX_AMOUNT_FEN)} 元")
    paid_on = parse_paid_on(body.get("paid_on"))
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note.strip()) > 100):
        raise BadRequestError("备注最多 100 字")
    member = _managed_member(caller, body.get("member_no"))
    p = PaymentIn(
        ref=cash_ref(caller.member_no, body["request_key"]),
        member_no=member.member_no,
        amount_fen=amount,
        paid_on=paid_on,
        method="cash",
        source="desk",
        recorded_by=caller.member_no,
        note=(note or "").strip() or None,
    )
    try:
        payment, created = record(p, member)
    except PaymentRefusedError as exc:
        raise ConflictError(str(exc)) from None
    return {"payment": payment_view(payment), "member": summary(member.member_no)}, created


# --- views ------------------------------------------------------------------------------------


def month_view(row: DuesMonth, current: str) -> dict[str, Any]:
    expected = None if row.expected_fen is None else int(row.expected_fen)
    paid = int(row.paid_fen or 0)
    status = status_of(row.month, expected, paid, current)
    return {
        "month": row.month,
        "label": month_label(row.month),
        "expected_fen": expected,
        "paid_fen": paid,
        "lacking_fen": max(0, (expected or 0) - paid),
        "credit_fen": max(0, paid - (expected or 0)),  # overpaid (amount lowered since): 结余
        "status": status,
        "status_label": STATUS_LABELS[status],
    }


def allocations_of(p: DuesPayment) -> dict[str, int]:
    raw = p.allocations
    data = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw or {})
    return {str(m): int(f) for m, f in data.items()}


def payment_view(p: DuesPayment) -> dict[str, Any]:
    method, _, ref = p.ref.partition(":")
    return {
        "ref": p.ref,
        "reference": ref if method == "bank" else "",
        "member_no": p.member_no,
        "name": p.name,
        "amount_fen": int(p.amount_fen),
        "paid_on": p.paid_on,
        "method": p.method,
        "method_label": METHOD_LABELS.get(p.method, p.method),
        "allocations": [
            {"month": m, "label": month_label(m), "fen": int(f)}
            for m, f in sorted(allocations_of(p).items())
        ],
        "state": p.state,
        "reverse_reason": p.reverse_reason,
        "note": p.note,
    }


def _payments(member_no: str, limit: int = 50) -> list[DuesPayment]:
    return list(DuesPayment.by_member.query(member_no, scan_index_forward=False, limit=limit))


def summary(member_no: str, rows: list[DuesMonth] | None = None) -> dict[str, Any]:
    """Her months (newest first), arrears and advances."""
    current = current_month()
    rows = member_months(member_no) if rows is None else rows
    months = [month_view(r, current) for r in sorted(rows, key=lambda r: r.month, reverse=True)]
    arrears = [m for m in months if m["month"] <= current and m["lacking_fen"] > 0]
    return {
        "month": current,
        "months": months,
        "arrears_fen": sum(m["lacking_fen"] for m in arrears),
        # Paid above a month's amount (lowered since it was paid): kept and shown, never lost;
        # her branch's secretary settles it (冲正 and record again, or refund).
        "credit_fen": sum(m["credit_fen"] for m in months),
        "arrears_months": [m["month"] for m in reversed(arrears)],
        "advance_months": [m["month"] for m in reversed(months) if m["status"] == "advance"],
    }


def mine(member: Member) -> dict[str, Any]:
    """我的党费: the amount in force and how it was computed (her base, to her only), her months,
    arrears, advances and payments."""
    rows = ensure_current(member, member_months(member.member_no))
    found = dues_assessment.in_force(member.member_no, current_month())
    current = None
    if found is not None:
        current = {
            "amount_fen": int(found.amount_fen),
            "category": found.category,
            "bracket": found.bracket,
            "rate": found.rate,
            "base_fen": None if found.base_fen is None else int(found.base_fen),
            "effective_from": found.effective_from,
        }
    return {
        **summary(member.member_no, rows),
        "assessment": current,
        "payments": [payment_view(p) for p in _payments(member.member_no)],
        "max_ahead": MAX_AHEAD,
    }


STATUS_ONLY = {"paid": "paid", "advance": "paid", "exempt": "paid", "partial": "unpaid",
               "unpaid": "unpaid", "unassessed": "unassessed", "due": "due"}  # fmt: skip


def status_only(view: dict[str, Any]) -> dict[str, Any]:
    """A month as staff above her branch see it: 已交清 / 未交 / 未核定, no amount."""
    status = STATUS_ONLY[view["status"]]
    return {
        "month": view["month"],
        "label": view["label"],
        "status": status,
        "status_label": STATUS_LABELS[status],
    }


def member_dues(caller: Caller, member_no: str) -> dict[str, Any]:
    """Her months and payments for her branch's staff (no base: that is 核定's); staff above
    her branch get her months' status only."""
    member = get_member(member_no, consistent=True) if is_member_no(member_no) else None
    if member is None:
        raise NotFoundError(NOT_FOUND)
    branch = get_unit(member.branch_id)
    if branch_private(caller, member.member_no, branch.unit_id):
        rows = ensure_current(member, member_months(member.member_no))
        return {
            "member_no": member.member_no,
            "name": member.name,
            "amounts": True,
            "may_manage": branch_secretary(caller, branch),
            **summary(member.member_no, rows),
            "payments": [payment_view(p) for p in _payments(member.member_no)],
        }
    if scope.member_access(caller, member.member_no, branch.path) == "none":
        raise NotFoundError(NOT_FOUND)
    info = summary(member.member_no, ensure_current(member, member_months(member.member_no)))
    return {
        "member_no": member.member_no,
        "name": member.name,
        "amounts": False,
        "may_manage": False,
        "month": info["month"],
        "months": [status_only(m) for m in info["months"]],
        "arrears_months": info["arrears_months"],
        "payments": [],
    }


def _unit(caller: Caller, unit_id: str) -> OrgUnit:
    try:
        unit = get_unit(unit_id)
    except NotFoundError:
        raise NotFoundError("组织不存在或您无权查看") from None
    if scope.unit_access(caller, unit.path) == "none":
        raise NotFoundError("组织不存在或您无权查看")
    return unit


def _prefix(unit: OrgUnit) -> str:
    return "/".join(unit.path) + "/"


def month_rows(unit: OrgUnit, month: str) -> Iterator[DuesMonth]:
    """The subtree's rows of the month: one Query of `by-month` (begins_with its path)."""
    return DuesMonth.by_month.query(month, DuesMonth.tree_key.startswith(_prefix(unit)))


def unit_month(caller: Caller, unit_id: str, month: Any) -> dict[str, Any]:
    """A unit's month for its staff: every member who was in its subtree that month, paid or
    not, 未核定 listed as such; totals. A branch's current month not opened yet is opened."""
    unit = _unit(caller, unit_id)
    current = current_month()
    month = current if month in (None, "") else parse_month(month)
    if month > add_months(current, MAX_AHEAD):
        raise BadRequestError(f"最多查看 {MAX_AHEAD} 个月之后的月份")
    rows = list(month_rows(unit, month))
    have = {r.member_no for r in rows}
    if unit.kind == "branch" and month == current and open_branch_month(unit, month, have):
        rows = list(month_rows(unit, month))
    rows = counted(rows)
    items = []
    for r in rows:
        view = month_view(r, current)
        if not branch_private(caller, r.member_no, r.branch_id):
            view = status_only(view)
        items.append({"member_no": r.member_no, "name": r.name, "branch_id": r.branch_id, **view})
    items.sort(key=lambda i: (_ORDER[i["status"]], i["member_no"]))
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "month": month,
        "label": month_label(month),
        "may_manage": unit.kind == "branch" and branch_secretary(caller, unit),
        "items": items,
        "totals": _money(caller, [rows], _totals(rows, current)),
    }


MONEY = ("expected_fen", "paid_fen", "credit_fen", "rate")


def _money_ok(caller: Caller, groups: list[list[DuesMonth]]) -> bool:
    """May these totals (each group: one month's rows) show money? For each branch among the
    rows: the caller is its own staff, or it has `MIN_GROUP` assessed members that month. Per
    branch, not per line: a committee's total minus one branch's would give another branch's,
    and a whole branch of 3+ reveals no single amount."""
    for rows in groups:
        count: dict[str, int] = {}
        for r in rows:
            count[r.branch_id] = count.get(r.branch_id, 0) + bool(r.expected_fen)
        for branch_id, n in count.items():
            if n < MIN_GROUP and not branch_private(caller, "", branch_id):
                return False
    return True


def _money(caller: Caller, groups: list[list[DuesMonth]], totals: dict[str, Any]) -> dict:
    """The totals, with the money withheld (None, `money` False) where `_money_ok` says no."""
    ok = _money_ok(caller, groups)
    return {**totals, "money": ok, **({} if ok else dict.fromkeys(MONEY))}


_ORDER = {"unpaid": 0, "partial": 1, "unassessed": 2, "due": 3, "paid": 4, "advance": 5,
          "exempt": 6}  # fmt: skip


def _totals(rows: Iterable[DuesMonth], current: str) -> dict[str, Any]:
    members = assessed = paid_members = expected = paid = unassessed = credit = 0
    for r in rows:
        members += 1
        e, p = r.expected_fen, int(r.paid_fen or 0)
        credit += max(0, p - int(e or 0))  # paid above the amount: shown, never dropped
        if e is None:
            unassessed += 1
            continue
        e = int(e)
        if e == 0:
            continue
        assessed += 1
        expected += e
        paid += min(p, e)  # an advance counts in its own month, not this one
        paid_members += p >= e
    return {
        "members": members,
        "assessed": assessed,
        "unassessed": unassessed,
        "paid_members": paid_members,
        "expected_fen": expected,
        "paid_fen": paid,
        "credit_fen": credit,
        "rate": round(paid * 100 / expected, 1) if expected else None,
        "member_rate": round(paid_members * 100 / assessed, 1) if assessed else None,
    }


QUARTER = re.compile(rf"^{YEAR}-Q([1-4])$")


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def figures(caller: Caller, unit_id: str, quarter: Any) -> dict[str, Any]:
    """Collection rate of a unit and of each unit directly below it, per month of a quarter and
    for the quarter: one Query per month for the whole subtree, grouped by the child's id in the
    rows' recorded paths (a member who moved since counts where she was)."""
    unit = _unit(caller, unit_id)
    current = current_month()
    if quarter in (None, ""):
        quarter = quarter_of(current)
    match = QUARTER.match(quarter) if isinstance(quarter, str) else None
    if match is None:
        raise BadRequestError("季度格式应为 YYYY-Qn，如 2026-Q4")
    year, q = int(match[1]), int(match[2])
    months = [f"{year:04d}-{(q - 1) * 3 + i:02d}" for i in (1, 2, 3)]
    children = sorted(
        OrgUnit.children.query(unit.unit_id), key=lambda u: (u.sort_order or 0, u.unit_id)
    )
    depth = len(unit.path)
    groups: dict[str, dict[str, list[DuesMonth]]] = {}
    whole: dict[str, list[DuesMonth]] = {m: [] for m in months}
    for month in months:
        if month > current:
            continue
        for r in counted(list(month_rows(unit, month))):
            whole[month].append(r)
            parts = r.tree_key.split("/")
            child = parts[depth] if len(parts) > depth + 1 else unit.unit_id
            groups.setdefault(child, {m: [] for m in months})[month].append(r)
    names = {c.unit_id: c.name for c in children}
    order = [c.unit_id for c in children] + sorted(set(groups) - set(names))

    def line(by_month: dict[str, list[DuesMonth]]) -> dict[str, Any]:
        each = [by_month[m] for m in months]
        return {
            "months": [
                {
                    "month": m,
                    "future": m > current,
                    **_money(caller, [by_month[m]], _totals(by_month[m], current)),
                }
                for m in months
            ],
            "quarter": _money(caller, each, _totals([r for g in each for r in g], current)),
        }

    rows = []
    for cid in order:
        if cid == unit.unit_id and unit.kind != "branch":
            label = f"{unit.name}（直属）"
        else:
            label = names.get(cid) or "（已调整的组织）"
        rows.append({"id": cid, "name": label, **line(groups.get(cid, {m: [] for m in months}))})
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "quarter": quarter,
        "months": [{"month": m, "label": month_label(m)} for m in months],
        "total": line(whole),
        "children": rows if unit.kind != "branch" else [],
    }
