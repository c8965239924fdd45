"""Who may do what to which table: the one declared access map the IAM policies are made from.

Chalice's policy autogeneration cannot see PynamoDB's calls, so each function's DynamoDB access
is declared here, per model (the table) and per index, with only the actions its code performs.
`infra/policy.py` turns this map into `functions/.chalice/policy-<stage>*.json` at package time;
`tests/unit/test_infra_policy.py` checks it against the models and the code (every table
covered, every queried index granted, no Scan on a request path, item-level actions only).
"""

from __future__ import annotations

from chalicelib.models import (
    Attendance,
    Ballot,
    Board,
    Campaign,
    CatalogItem,
    Comment,
    CommentDecision,
    CommentLimit,
    CommentStats,
    ConsoleFigure,
    DuesAssessment,
    DuesMonth,
    DuesPayment,
    DuesRun,
    LoginThrottle,
    Meeting,
    Member,
    Message,
    NotifyPrefs,
    OrgUnit,
    PlanItem,
    PointClaim,
    PointDay,
    PointTotal,
    PublishedVersion,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    QuizScore,
    QuizTally,
    RankingState,
    ReadingState,
    ReadMark,
    RefreshToken,
    ReminderRun,
    ReviewDecision,
    ReviewFile,
    ReviewItem,
    SessionFamily,
    SignInBinding,
    SignInState,
    UnitMonth,
    VoteCount,
    WeComCache,
)
from chalicelib.models.assessment import AssessmentGrade, AssessmentItem
from chalicelib.models.branch_posts import BranchPost
from chalicelib.models.directory import DirectoryShard
from chalicelib.models.inspections import Inspection
from chalicelib.models.lessons import LessonAssignment, WatchProgress
from chalicelib.models.recruitment import Recruit
from chalicelib.models.red_energy import (
    RedEnergyMovement,
    RedEnergyOffer,
    RedEnergyOrder,
    RedEnergyWallet,
)
from chalicelib.models.registry_audit import AuditEntry
from chalicelib.models.service_requests import ServiceRequest
from chalicelib.models.surveys import Survey, SurveyAnswer
from chalicelib.models.transfers import LetterCounter, Transfer
from chalicelib.models.volunteering import VolunteerActivity, VolunteerSignup
from chalicelib.unit_paths import REGISTRY as REPATHED

# Function name → {(model, index name or None): actions without the "dynamodb:" prefix}.
# "api" is the API's Lambda; the others are scheduled functions with a role of their own.
ACCESS: dict[str, dict[tuple[type, str | None], tuple[str, ...]]] = {
    "api": {
        # (BatchWriteItem, PutItem, UpdateItem: 党务工作台's unit forms and import upload,
        # registry_units.py / registry_upload.py)
        (OrgUnit, None): ("BatchGetItem", "BatchWriteItem", "GetItem", "PutItem", "UpdateItem"),
        # (PutItem, ConditionCheckItem: 党员发展's admission creates her member item, the
        # conversion checks it, in the transaction with the record: recruitment.py; a transfer in
        # creates hers: transfers.py)
        # (BatchWriteItem: 党务工作台's import upload adds members in batches: registry_upload.py)
        (Member, None): (
            "BatchGetItem",
            "BatchWriteItem",
            "ConditionCheckItem",
            "GetItem",
            "PutItem",
            "UpdateItem",
        ),
        (SessionFamily, None): ("ConditionCheckItem", "GetItem", "PutItem", "UpdateItem"),
        (RefreshToken, None): ("GetItem", "PutItem", "UpdateItem"),
        (LoginThrottle, None): ("DeleteItem", "GetItem", "PutItem", "UpdateItem"),
        (ReviewItem, None): ("GetItem", "UpdateItem"),
        (ReviewItem, "pending-by-path"): ("Query",),
        (ReviewDecision, None): ("PutItem", "Query"),
        (PublishedVersion, None): ("GetItem", "PutItem"),
        (ReviewFile, None): ("ConditionCheckItem",),
        (CatalogItem, None): ("BatchGetItem", "GetItem"),
        (ReadingState, None): ("GetItem", "PutItem", "UpdateItem"),
        (ReadMark, None): ("GetItem", "PutItem", "Query"),
        # 微党课 (issue 19): the heartbeat's progress put (in its transaction), resume, her lessons.
        (WatchProgress, None): ("GetItem", "PutItem"),
        (WatchProgress, "by-recent"): ("Query",),
        (PointDay, None): ("BatchGetItem", "GetItem", "Query", "UpdateItem"),
        (PointClaim, None): ("BatchGetItem", "DeleteItem", "GetItem", "PutItem"),
        (PointTotal, None): ("Query",),
        (Board, None): ("GetItem",),
        (Quiz, None): ("GetItem",),
        (Quiz, "listed"): ("Query",),
        (QuizQuestion, None): ("BatchGetItem", "GetItem"),
        (QuizAttempt, None): ("GetItem", "PutItem", "Query", "UpdateItem"),
        (QuizScore, None): ("GetItem", "UpdateItem"),
        (QuizScore, "by-rank"): ("Query",),
        (QuizTally, None): ("GetItem", "UpdateItem"),
        (Comment, None): ("BatchGetItem", "GetItem", "PutItem", "Query", "UpdateItem"),
        (Comment, "moderation"): ("Query",),
        (CommentStats, None): ("BatchGetItem", "GetItem", "UpdateItem"),
        (CommentLimit, None): ("GetItem", "UpdateItem"),
        (CommentDecision, None): ("PutItem", "Query"),
        (Campaign, None): ("GetItem", "PutItem"),
        (VoteCount, None): ("Query", "UpdateItem"),
        (Ballot, None): ("GetItem", "PutItem"),
        (WeComCache, None): ("GetItem", "UpdateItem"),
        # outbox.post: one conditional put per recipient; the 消息 centre (inbox.py) reads a
        # page by time, counts the unread on the sparse index, marks read (a conditional
        # update, then a key-only GetItem when it was read already) and keeps her muted kinds.
        (Message, None): ("GetItem", "PutItem", "UpdateItem"),
        (Message, "by-time"): ("Query",),
        (Message, "unread"): ("Query",),
        (NotifyPrefs, None): ("GetItem", "PutItem"),
        # Sign-in through WeCom / 公众号: one-time states and bind tickets; the bindings, written
        # in a transaction (Put with a condition) and read by key.
        (SignInState, None): ("GetItem", "PutItem", "UpdateItem"),
        (SignInBinding, None): ("GetItem", "PutItem"),
        # Organisation life (meetings.py and its neighbours): a meeting and its attendance rows
        # by key, a unit's meetings and a month's by index, her meetings by index.
        (Meeting, None): ("BatchGetItem", "GetItem", "PutItem", "UpdateItem"),
        (Meeting, "by-unit"): ("Query",),
        (Meeting, "by-month"): ("Query",),
        # (BatchGetItem: a member's attendance record reads her rows found by index; the
        # record's names of who locked and corrected it are one BatchGetItem of members.)
        (Attendance, None): (
            "BatchGetItem",
            "BatchWriteItem",
            "DeleteItem",
            "GetItem",
            "PutItem",
            "Query",
            "UpdateItem",
        ),
        # meetings.py: the invitees of a unit (its subtree by parent, members by branch; those
        # named by number, and their branches, in batch reads).
        (OrgUnit, "by-parent"): ("Query",),
        (Member, "by-branch"): ("Query",),
        (Attendance, "by-member"): ("Query",),
        (PlanItem, None): ("BatchWriteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
        # A monthly list generated on its first view: its secretary from the staff partition.
        (Member, "reminders"): ("Query",),
        # A unit's month row brought up to date when its list is viewed (meeting_plans).
        (UnitMonth, None): ("GetItem", "Query", "UpdateItem"),
        (UnitMonth, "by-month"): ("Query",),
        # 党费核定 (dues_assessment.py): her assessment in force, and her history
        # (api_dues_assessment.py), one Query each.
        (DuesAssessment, None): ("Query",),
        # 党员发展 (recruitment.py): a person by key, registered by conditional put, recorded by
        # conditional update (alone or in the transaction with her member item); a unit's
        # subtree in one Query; the registry's version bumped for the ranking job on admission.
        (Recruit, None): ("GetItem", "PutItem", "UpdateItem"),
        (Recruit, "by-tree"): ("Query",),
        # 组织关系转接 (transfers.py): a transfer by key and an organisation's by index; the
        # 介绍信 counter in the letter's transaction; the move creates an incoming member (Put,
        # above), withdraws invitations (Attendance Delete, above) and bumps the registry's
        # version for the ranking job.
        (Transfer, None): ("GetItem", "PutItem", "UpdateItem"),
        (Transfer, "by-org"): ("Query",),
        (LetterCounter, None): ("GetItem", "UpdateItem"),
        (RankingState, None): ("UpdateItem",),
        # 党费收缴 (dues_collection.py): her months by key, a unit's month by index (one Query of
        # its subtree), months opened and paid by update (a payment is one transaction: the
        # payment put on condition, each month updated on condition), her payments by index.
        (DuesMonth, None): ("Query", "UpdateItem"),
        (DuesMonth, "by-month"): ("Query",),
        (DuesPayment, None): ("GetItem", "PutItem", "UpdateItem"),
        (DuesPayment, "by-member"): ("Query",),
        # 通讯录 (directory.py): the name index's shards read in one batch; one map key updated
        # when a member is created, moved or deactivated (directory.member_changed).
        (DirectoryShard, None): ("BatchGetItem", "UpdateItem"),
        # 志愿服务 (volunteering.py): an activity by key (her past ones in one batch), published
        # by conditional put, its `taken` updated in the sign-up's and the cancel's transaction
        # with the sign-up's Put / Delete; a unit's activities and a subtree's by index; the
        # sign-ups of an activity (Query) and hers (by-member), check-in and hours by update.
        (VolunteerActivity, None): ("BatchGetItem", "GetItem", "PutItem", "UpdateItem"),
        (VolunteerActivity, "by-unit"): ("Query",),
        (VolunteerActivity, "by-tree"): ("Query",),
        (VolunteerSignup, None): ("DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
        (VolunteerSignup, "by-member"): ("Query",),
        # 问卷 (surveys.py, survey_results.py): a survey by key, created by conditional put and
        # moved draft → published → closed by conditional update; an organisation's by index;
        # an answer put on condition (once per member), hers read by key or in one batch, a
        # survey's answers (results) one Query of its partition.
        (Survey, None): ("ConditionCheckItem", "GetItem", "PutItem", "UpdateItem"),
        (Survey, "by-org"): ("Query",),
        (Survey, "by-unit"): ("Query",),
        (SurveyAnswer, None): ("BatchGetItem", "GetItem", "PutItem", "Query"),
        # 红能量 (red_energy.py, red_energy_catalog.py): a spend or refund is one transaction of
        # the movement (conditional put), the wallet, the item or project and the order (put,
        # then conditional updates); her lines and orders by index, a unit's catalogue and
        # orders one Query each.
        (RedEnergyWallet, None): ("GetItem", "UpdateItem"),
        (RedEnergyMovement, None): ("GetItem", "PutItem"),
        (RedEnergyMovement, "by-time"): ("Query",),
        (RedEnergyOffer, None): ("GetItem", "PutItem", "Query", "UpdateItem"),
        (RedEnergyOrder, None): ("GetItem", "PutItem", "UpdateItem"),
        (RedEnergyOrder, "by-unit"): ("Query",),
        (RedEnergyOrder, "by-member"): ("Query",),
        # 支部家园 (branch_posts.py): a post by key, made by conditional put, edited and decided
        # by conditional update; a branch's page, the committee's feed, a reviewer's queue and
        # her own posts one Query each (sparse indexes, never a Scan).
        (BranchPost, None): ("GetItem", "PutItem", "UpdateItem"),
        (BranchPost, "by-branch"): ("Query",),
        (BranchPost, "by-feed"): ("Query",),
        (BranchPost, "by-pending"): ("Query",),
        (BranchPost, "by-author"): ("Query",),
        # 诉求 (service_requests.py): a request by key, submitted by conditional put, every step
        # one conditional update; her list, a unit's open queue, a unit's requests of a period
        # (the four rates, one Query per unit of the subtree) and the published answered ones,
        # one Query each by index.
        (ServiceRequest, None): ("GetItem", "PutItem", "UpdateItem"),
        (ServiceRequest, "by-member"): ("Query",),
        (ServiceRequest, "queue"): ("Query",),
        (ServiceRequest, "by-origin"): ("Query",),
        (ServiceRequest, "answered"): ("Query",),
        # 党务工作台's registry audit log (registry_audit.py): entries and the request's mark
        # put in each change's transaction, a request's mark read by key, a unit's log one Query.
        (AuditEntry, None): ("GetItem", "PutItem", "Query"),
        # 季度检查 (inspections.py): the head by key; opening and publishing are transactions of
        # puts / conditional updates; a score one conditional update; the grid one Query of the
        # inspection's partition; a unit's inspections and the 通报 naming a unit, one Query each.
        (Inspection, None): ("GetItem", "PutItem", "UpdateItem", "Query"),
        (Inspection, "by-owner"): ("Query",),
        (Inspection, "by-unit"): ("Query",),
        # 考核评价 (assessment_views.py): the precomputed scores by key or one Query of a
        # subtree's prefix; the 民主评议 grades (a conditional put; read by member number, a
        # BatchGet of the members listed), and a branch's members by index.
        (AssessmentItem, None): ("GetItem", "Query"),
        (AssessmentGrade, None): ("BatchGetItem", "GetItem", "PutItem"),
    },
    # The ranking job: its header, state and the change log (ranking_log); the changed members'
    # registry items and year totals; on a full recompute the registry and the year totals whole
    # (Scans, off the request path); the boards that changed.
    "rank_boards": {
        (OrgUnit, None): ("Scan",),
        (Member, None): ("BatchGetItem", "Scan"),
        (PointTotal, None): ("BatchGetItem", "Scan"),
        (Board, None): ("BatchGetItem", "BatchWriteItem"),
        (RankingState, None): ("BatchGetItem", "BatchWriteItem", "GetItem", "PutItem", "Query"),
    },
    # The reminder runner (reminders.run_due): who is due from the members' sparse `reminders`
    # index (never a Scan of the members), the org units whole (small) for the scope check, the
    # pending review items and open comments of each root, its run markers, the outbox.
    "run_reminders": {
        (Member, "reminders"): ("Query",),
        (OrgUnit, None): ("Scan",),
        (ReviewItem, "pending-by-path"): ("Query",),
        (Comment, "moderation"): ("Query",),
        (ReminderRun, None): ("BatchGetItem", "PutItem"),
        (Message, None): ("PutItem",),
        # theme_day_missing: the month's locked meetings of the warned kind (one Query), and
        # the warning marked on each warned branch's month row.
        (Meeting, "by-month"): ("Query",),
        (UnitMonth, None): ("UpdateItem",),
        # recruitment_due: each root's people in the process, one Query.
        (Recruit, "by-tree"): ("Query",),
        # transfer_overdue: each root's transfers (one Query).
        (Transfer, "by-org"): ("Query",),
        # request_overdue: each unit's open requests past their due time (one Query a unit).
        (ServiceRequest, "queue"): ("Query",),
        # 党费: the month opened once for every active member (each branch's members by index,
        # her assessment in force, her month row; the month's marker), and dues_unpaid: the
        # month's rows by index, the unpaid ones' members (still active?), each marked reminded.
        (DuesRun, None): ("GetItem", "PutItem"),
        (DuesMonth, None): ("UpdateItem",),
        (DuesMonth, "by-month"): ("Query",),
        (DuesAssessment, None): ("Query",),
        (Member, "by-branch"): ("Query",),
        (Member, None): ("BatchGetItem",),
    },
    # The monthly check (meeting_checks.run): the org units whole (small, off the request path),
    # each month's meetings in one Query, the month rows read in one Query and only the changed
    # ones updated; on a month's first days the lists (meeting_plans.generate): the staff from
    # the sparse `reminders` index, a unit's items by Query and the missing ones by
    # conditional put.
    "check_meetings": {
        (OrgUnit, None): ("GetItem", "Scan"),
        (Meeting, "by-month"): ("Query",),
        (UnitMonth, None): ("GetItem", "UpdateItem"),
        (UnitMonth, "by-month"): ("Query",),
        (Member, "reminders"): ("Query",),
        (PlanItem, None): ("PutItem", "Query"),
        # Settling a lock nobody finished (meeting_records.settle_unfinished): the meeting and
        # its rows, the attendance points through the ledger, its unit's month figures.
        (Meeting, None): ("GetItem", "UpdateItem"),
        (Meeting, "by-unit"): ("Query",),
        (Attendance, None): ("Query", "UpdateItem"),
        (PointDay, None): ("GetItem", "Query", "UpdateItem"),
        (PointClaim, None): ("DeleteItem", "GetItem", "PutItem"),
    },
    # The outbox's delivery worker (chalicelib/delivery.py): the due rows from the sparse GSI,
    # each row's lease and outcome (conditional updates), the recipients' registry items and
    # notification preferences, the shared WeCom and Official Account access tokens.
    "deliver_messages": {
        (Message, None): ("UpdateItem",),
        (Message, "push-due"): ("Query",),
        (Member, None): ("BatchGetItem",),
        (NotifyPrefs, None): ("BatchGetItem",),
        (SignInBinding, None): ("BatchGetItem",),  # userids / openids bound at sign-in
        # the token; the stored calls a resend repeats (`push-call#<id>`, delivery.py)
        (WeComCache, None): ("GetItem", "PutItem", "UpdateItem"),
    },
    # The 党务工作台's precompute job (console_job.py): the registry, the year totals and the
    # exam best scores whole (Scans, off the request path), this month's dues rows and monthly
    # check rows by index; its digests read and the changed items written in batches.
    "compute_console": {
        (OrgUnit, None): ("Scan",),
        (Member, None): ("Scan",),
        (PointTotal, None): ("Scan",),
        (QuizScore, None): ("Scan",),
        (DuesMonth, "by-month"): ("Query",),
        (UnitMonth, "by-month"): ("Query",),
        (ConsoleFigure, None): ("BatchGetItem", "BatchWriteItem"),
    },
    # The points aggregator reads the ledger's stream (STREAMS), keeps the year totals and logs
    # the members each batch changed for the ranking job (one PutItem a batch).
    "aggregate_points": {
        (PointTotal, None): ("GetItem", "PutItem", "Query"),
        (RankingState, None): ("PutItem",),
    },
    # The comments aggregator reads the comments' stream and keeps the items' visible counts.
    "count_comments": {
        (CommentStats, None): ("GetItem", "UpdateItem"),
    },
    # The nightly assessment (assessment_job.run): the registry whole (Scans, off the request
    # path), each member's month of ledger days (one Query each), the month's locked meetings and
    # their attendance, the month's dues rows and monthly-check rows by index; its own items.
    "assess": {
        (OrgUnit, None): ("Scan",),
        (Member, None): ("Scan",),
        (PointDay, None): ("Query",),
        (Meeting, "by-month"): ("Query",),
        (Attendance, None): ("Query",),
        (DuesMonth, "by-month"): ("Query",),
        (UnitMonth, "by-month"): ("Query",),
        (AssessmentItem, None): ("BatchWriteItem", "GetItem", "Query"),
    },
    # Records' copies of unit paths (unit_paths.run): its version and state rows, the org units
    # whole, and each re-pathed table whole (Scans, off the request path) with a conditional
    # update of a stale record and the re-read of one written meanwhile.
    "repath_units": {
        (RankingState, None): ("GetItem", "PutItem", "UpdateItem"),
        (OrgUnit, None): ("Scan",),
        **{(entry.model, None): ("GetItem", "Scan", "UpdateItem") for entry in REPATHED},
    },
}

# 个人信息 (my_data.py: her download; personal_erase.py: a departed member's deletion by the
# 管理员): her items read by key or by her index, never a Scan; the deletion's blanking updates
# and deletes of those items. Merged into the API's grants (a table already granted keeps its
# actions and gains these).
PERSONAL_DATA: dict[tuple[type, str | None], tuple[str, ...]] = {
    (ReadingState, None): ("DeleteItem", "GetItem"),
    (NotifyPrefs, None): ("DeleteItem", "GetItem"),
    (RedEnergyWallet, None): ("DeleteItem", "GetItem"),
    (ReadMark, None): ("DeleteItem", "Query"),
    (PointClaim, None): ("Query",),
    (PointTotal, None): ("Query",),
    (QuizAttempt, None): ("DeleteItem", "Query"),
    (Message, None): ("BatchGetItem", "DeleteItem", "Query"),
    (Message, "about"): ("Query",),
    (DuesAssessment, None): ("Query", "UpdateItem"),
    (DuesMonth, None): ("Query", "UpdateItem"),
    (RedEnergyMovement, None): ("DeleteItem", "Query"),
    (Comment, None): ("BatchGetItem", "DeleteItem"),
    (Comment, "by-member"): ("Query",),
    (CommentDecision, None): ("DeleteItem", "Query"),
    (Ballot, None): ("BatchGetItem",),
    (QuizScore, None): ("BatchGetItem", "UpdateItem"),
    (Attendance, None): ("BatchGetItem", "UpdateItem"),
    (Attendance, "by-member"): ("Query",),
    (DuesPayment, None): ("UpdateItem",),
    (DuesPayment, "by-member"): ("Query",),
    (VolunteerSignup, None): ("BatchGetItem", "UpdateItem"),
    (VolunteerSignup, "by-member"): ("Query",),
    (RedEnergyOrder, None): ("UpdateItem",),
    (RedEnergyOrder, "by-member"): ("Query",),
    (BranchPost, None): ("DeleteItem",),
    (BranchPost, "by-author"): ("Query",),
    (ServiceRequest, None): ("UpdateItem",),
    (ServiceRequest, "by-member"): ("Query",),
    (Survey, None): ("GetItem",),
    (Survey, "by-unit"): ("Query",),
    (SurveyAnswer, None): ("BatchGetItem", "UpdateItem"),
    (SurveyAnswer, "by-member"): ("Query",),
    (Transfer, None): ("UpdateItem",),
    (Transfer, "by-org"): ("Query",),
    (Recruit, None): ("UpdateItem",),
    (Recruit, "by-tree"): ("Query",),
    (AuditEntry, None): ("Query", "UpdateItem"),
    (AssessmentGrade, None): ("BatchGetItem", "UpdateItem"),
    (AssessmentItem, None): ("BatchGetItem", "UpdateItem"),
    (DirectoryShard, None): ("GetItem", "UpdateItem"),
    (SignInBinding, None): ("DeleteItem", "GetItem"),
    (Member, None): ("GetItem", "UpdateItem"),
    (OrgUnit, None): ("BatchGetItem", "GetItem"),
    (RankingState, None): ("UpdateItem",),
    (LoginThrottle, None): ("UpdateItem",),
}
for _key, _actions in PERSONAL_DATA.items():
    ACCESS["api"][_key] = tuple(sorted(set(ACCESS["api"].get(_key, ())) | set(_actions)))

# 微党课 for staff (lesson_assignments.py): an assignment by key (conditional put, update,
# delete), a unit's by its key (Query), those of a unit's path in one BatchGet; the lesson in the
# catalog; the read marks and watch progress of a unit's members by key in batches. Merged as
# above (another area's grants on the same tables are kept).
LESSON_ASSIGNMENTS: dict[tuple[type, str | None], tuple[str, ...]] = {
    (LessonAssignment, None): (
        "BatchGetItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "UpdateItem",
    ),
    (CatalogItem, None): ("BatchGetItem", "GetItem"),
    (ReadMark, None): ("BatchGetItem",),
    (WatchProgress, None): ("BatchGetItem",),
    (OrgUnit, "by-parent"): ("Query",),
    (Member, "by-branch"): ("Query",),
}
for _key, _actions in LESSON_ASSIGNMENTS.items():
    ACCESS["api"][_key] = tuple(sorted(set(ACCESS["api"].get(_key, ())) | set(_actions)))
# The reminder before the due day (audiences.lesson_due): each unit's assignments (one Query a
# unit), the lesson, the branches' members by index, their read marks in batches.
for _key, _actions in {
    (LessonAssignment, None): ("Query",),
    (CatalogItem, None): ("GetItem",),
    (ReadMark, None): ("BatchGetItem",),
    (Member, "by-branch"): ("Query",),
}.items():
    _job = ACCESS["run_reminders"]
    _job[_key] = tuple(sorted(set(_job.get(_key, ())) | set(_actions)))

# Function → the tables whose DynamoDB Stream it reads (Lambda's event source mapping polls it
# with the function's role).
STREAMS: dict[str, tuple[type, ...]] = {
    "aggregate_points": (PointDay,),
    "count_comments": (Comment,),
}

# The one secret the API reads (settings.JWT_KEYS_PARAMETER), per stage.
JWT_PARAMETER = "/dangjian/{stage}/jwt-keys"
# The WeCom corp secret (settings.WECOM_SECRET_PARAMETER), per stage, read by the API and the
# outbox's delivery worker.
WECOM_PARAMETER = "/dangjian/{stage}/wecom-secret"
# The Official Account's AppSecret (settings.WECHAT_MP_SECRET_PARAMETER), for an organisation
# that turns it on: read by the API (公众号 sign-in, its jsapi_ticket for sharing in plain
# WeChat) and the delivery worker (its template messages).
WECHAT_MP_PARAMETER = "/dangjian/{stage}/wechat-mp-secret"
WECOM_SECRET_READERS = ("api", "deliver_messages")
WECHAT_MP_SECRET_READERS = ("api", "deliver_messages")

# Files from phones (chalicelib/uploads.py), in the stack's UploadsBucket (infra/stack.yaml names
# it from the stack, `dangjian-<stage>`). The API signs the pages' POST forms — S3 checks them
# against the signer's own rights, so its role holds PutObject on what it signs —, checks what
# arrived (HEAD and a ranged GET), copies it out of `incoming/` (GetObject, PutObject), deletes
# refused and moved uploads, and signs the short-lived GET links. One prefix per area.
UPLOADS_BUCKET = "dangjian-{stage}-uploads-${{AWS::AccountId}}-${{AWS::Region}}"
UPLOAD_PREFIXES = ("meetings",)
UPLOAD_PREFIXES += ("posts",)  # 支部家园 (branch_posts.py)
UPLOAD_PREFIXES += ("requests",)  # 诉求 photos (service_requests.py)
UPLOAD_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")

# 微党课 media (chalicelib/media_uploads.py), the stack's MediaBucket: the API signs editors' PUTs
# to incoming/media/ (a pre-signed URL carries the signer's rights: PutObject), reads them (HEAD,
# ranged GET: GetObject), copies them to media/ (GetObject on the source, PutObject on the
# target) and deletes the upload (DeleteObject, incoming/ only: a kept file is never deleted or
# overwritten by the API). No ListBucket: S3 answers a key that is not there with 403 rather
# than 404 then, which media_uploads.py reads as "not there".
MEDIA_BUCKET = "dangjian-{stage}-media-${{AWS::AccountId}}-${{AWS::Region}}"
MEDIA_GRANTS = {  # Sid → (key pattern, actions)
    "MediaUploads": ("incoming/media/*", ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")),
    "MediaKept": ("media/*", ("s3:GetObject", "s3:PutObject")),
}

# The weekly export (schedules.export_tables, chalicelib/backups.py): DynamoDB's export of each
# of the stage's tables (it reads the point-in-time backup, not the table: no item access).
from chalicelib.models import ALL_MODELS  # noqa: E402

ACCESS["export_tables"] = {(m, None): ("ExportTableToPointInTime",) for m in ALL_MODELS}
# Its bucket (infra/backups.py names it from the stack, `dangjian-<stage>`): the job lists the
# day's markers (ListBucket) and writes them (PutObject); DynamoDB writes the export with the
# caller's rights, which must include PutObject, AbortMultipartUpload and PutObjectAcl.
EXPORTS_BUCKET = "dangjian-{stage}-exports-${{AWS::AccountId}}-${{AWS::Region}}"
EXPORTERS = ("export_tables",)
EXPORT_ACTIONS = ("s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl")
# The daily check reads the job's own markers back (GetObject on them only: not the items), and
# asks DynamoDB how each export ended (DescribeExport on the stage's tables' exports).
from chalicelib.backups import MARKER  # noqa: E402

EXPORT_MARKER = MARKER
