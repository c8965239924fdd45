"""Every kind of message the platform sends, in one table: its label in the 消息 centre and the
mute settings, whether a member may mute its pushes, and whether it is urgent (pushed even in
quiet hours). Muting stops pushes only: the message still reaches her 消息 centre."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    label: str
    mutable: bool = True
    urgent: bool = False


KINDS: dict[str, Kind] = {
    "meeting_notice": Kind("会议通知", mutable=False),
    "meeting_change": Kind("会议变更", mutable=False, urgent=True),
    "warning": Kind("工作预警", mutable=False),
    "dues_reminder": Kind("党费提醒"),
    "political_birthday": Kind("政治生日"),
    "review_request": Kind("待审核提醒"),
    "moderation_request": Kind("待处理评论提醒"),
    "request_reply": Kind("诉求答复"),
    "system": Kind("系统消息", mutable=False),
    # 季度检查 (issue 17): the 通报 reaches the inspected units' staff; an official document.
    "inspection_bulletin": Kind("检查通报", mutable=False),
    # 微党课 (issue 19): a unit asks its members to watch a lesson by a day (lesson_assignments.py).
    "lesson_assigned": Kind("党课学习安排"),
}

# Why a kind that is not mutable cannot be muted (the 消息设置 page and the API say it).
IMMUTABLE_WHY = "关系组织生活和工作安排，须确保每位党员收到"


def kind(name: str) -> Kind:
    """The kind, or KeyError: a message of an unknown kind is a programming error."""
    return KINDS[name]
