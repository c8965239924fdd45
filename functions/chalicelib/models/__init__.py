"""The one definition of every DynamoDB table: one module per area in this package.

Local table creation (`tools/tables.py`), the tests and the CloudFormation resources all derive from
`ALL_MODELS`, which collects every model defined here; nothing is declared twice by hand. A new area
adds a module and imports it below. Every model in it uses the process's one DynamoDB client
(`base.share_connection`).
"""

from __future__ import annotations

from pynamodb.models import Model

from . import (
    assessment,
    base,
    branch_posts,
    console,
    directory,
    dues,
    dues_collection,
    inspections,
    interaction,
    lessons,
    meetings,
    notify,
    points,
    quizzes,
    reading,
    recruitment,
    red_energy,
    registry,
    registry_audit,
    reminders,
    review,
    service_requests,
    sessions,
    signin,
    surveys,
    transfers,
    volunteering,
    wecom,
)
from .branch_posts import BranchPost
from .console import ConsoleFigure
from .dues import DuesAssessment
from .dues_collection import DuesMonth, DuesPayment, DuesRun
from .interaction import (
    Ballot,
    Campaign,
    Comment,
    CommentDecision,
    CommentLimit,
    CommentStats,
    VoteCount,
)
from .lessons import LessonAssignment, WatchProgress
from .meetings import Attendance, Meeting, PlanItem, UnitMonth
from .notify import Message, NotifyPrefs
from .points import Board, PointClaim, PointDay, PointTotal, RankingState
from .quizzes import Quiz, QuizAttempt, QuizQuestion, QuizScore, QuizTally
from .reading import CatalogItem, ReadingState, ReadMark
from .red_energy import RedEnergyMovement, RedEnergyOffer, RedEnergyOrder, RedEnergyWallet
from .registry import Member, OrgUnit
from .reminders import ReminderRun
from .review import PublishedVersion, ReviewDecision, ReviewFile, ReviewItem
from .sessions import LoginThrottle, RefreshToken, SessionFamily
from .signin import SignInBinding, SignInState
from .volunteering import VolunteerActivity, VolunteerSignup
from .wecom import WeComCache

_AREAS = (
    registry,
    sessions,
    reading,
    points,
    review,
    interaction,
    quizzes,
    wecom,
    notify,
    reminders,
    signin,
    meetings,
    dues,
    dues_collection,
    transfers,
    recruitment,
    directory,
    volunteering,
    surveys,
    red_energy,
    branch_posts,
    service_requests,
    registry_audit,
    inspections,
    console,
    assessment,
    lessons,
)

ALL_MODELS: tuple[type[Model], ...] = tuple(
    obj
    for area in _AREAS
    for obj in vars(area).values()
    if isinstance(obj, type) and issubclass(obj, Model) and obj.__module__ == area.__name__
)
base.share_connection(ALL_MODELS)

__all__ = [
    "ALL_MODELS",
    "Attendance",
    "Ballot",
    "Board",
    "BranchPost",
    "Campaign",
    "CatalogItem",
    "Comment",
    "CommentDecision",
    "CommentLimit",
    "CommentStats",
    "ConsoleFigure",
    "DuesAssessment",
    "DuesMonth",
    "DuesPayment",
    "DuesRun",
    "LessonAssignment",
    "LoginThrottle",
    "Meeting",
    "Member",
    "Message",
    "NotifyPrefs",
    "OrgUnit",
    "PlanItem",
    "PointClaim",
    "PointDay",
    "PointTotal",
    "PublishedVersion",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "QuizScore",
    "QuizTally",
    "RankingState",
    "ReadMark",
    "ReadingState",
    "RedEnergyMovement",
    "RedEnergyOffer",
    "RedEnergyOrder",
    "RedEnergyWallet",
    "RefreshToken",
    "ReminderRun",
    "ReviewDecision",
    "ReviewFile",
    "ReviewItem",
    "SessionFamily",
    "SignInBinding",
    "SignInState",
    "UnitMonth",
    "VolunteerActivity",
    "VolunteerSignup",
    "VoteCount",
    "WatchProgress",
    "WeComCache",
]
