"""What is personal, per table: the one map the download (我的数据), the deletion of a departed
member's data and the README's table (个人信息保护法) are all made from.

Every model of `models.ALL_MODELS` has exactly one `Place` here (a unit test fails on a table the
map forgets, and on an attribute it names that the model does not have). A place says:

- `holds`: how the table relates to a member —
  "member": items about her, found by her member number (`member` names the attributes holding it);
  "derived": precomputed figures a job rewrites from the other tables (names included), never
  written by a request;
  "staff": the organisation's own records of what staff did (who organised, reviewed, approved):
  a member's number and name appear there only for acts she did in office;
  "none": nothing about a member (content, units, counters, caches).
- `fields`: what her download shows, attribute → Chinese label.
- `personal`: the attributes the deletion removes or replaces (her name, phone, birth date, texts
  she wrote, answers, income base, ...).
- `erase`: what the deletion does to her items — "delete" (the item goes), "blank" (the personal
  attributes go, the item stays as an anonymised figure the units' history counts), "keep" (the
  item holds no personal attribute, only her number as the key of a figure), "expire" (short-lived
  technical records, deleted by their TTL), "recompute" (derived: rewritten by its job from the
  anonymised rows), "none".
- `purpose`, `keep`: why the platform keeps it and for how long (the README's table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.models import Model

from .models import ALL_MODELS
from .models.assessment import AssessmentGrade, AssessmentItem
from .models.branch_posts import BranchPost
from .models.console import ConsoleFigure
from .models.directory import DirectoryShard
from .models.dues import DuesAssessment
from .models.dues_collection import DuesMonth, DuesPayment, DuesRun
from .models.inspections import Inspection
from .models.interaction import (
    Ballot,
    Campaign,
    Comment,
    CommentDecision,
    CommentLimit,
    CommentStats,
    VoteCount,
)
from .models.lessons import LessonAssignment, WatchProgress
from .models.meetings import Attendance, Meeting, PlanItem, UnitMonth
from .models.notify import Message, NotifyPrefs
from .models.points import Board, PointClaim, PointDay, PointTotal, RankingState
from .models.quizzes import Quiz, QuizAttempt, QuizQuestion, QuizScore, QuizTally
from .models.reading import CatalogItem, ReadingState, ReadMark
from .models.recruitment import Recruit
from .models.red_energy import (
    RedEnergyMovement,
    RedEnergyOffer,
    RedEnergyOrder,
    RedEnergyWallet,
)
from .models.registry import Member, OrgUnit
from .models.registry_audit import AuditEntry
from .models.reminders import ReminderRun
from .models.review import PublishedVersion, ReviewDecision, ReviewFile, ReviewItem
from .models.service_requests import ServiceRequest
from .models.sessions import LoginThrottle, RefreshToken, SessionFamily
from .models.signin import SignInBinding, SignInState
from .models.surveys import Survey, SurveyAnswer
from .models.transfers import LetterCounter, Transfer
from .models.volunteering import VolunteerActivity, VolunteerSignup
from .models.wecom import WeComCache
from .settings import get_settings

HOLDS = ("member", "derived", "staff", "none")
ERASE = ("delete", "blank", "keep", "expire", "recompute", "official", "none")
ERASE_LABELS = {
    "delete": "删除",
    "blank": "清除个人信息，保留匿名统计",
    "keep": "保留（仅以党员编号为键的统计数字）",
    "expire": "到期自动删除",
    "recompute": "由定时任务按匿名数据重算",
    "official": "保留（组织的工作记录）",
    "none": "不涉及个人信息",
}
# Labels of personal attributes a download does not show (secrets, index keys, names repeated).
OTHER_LABELS = {
    "password_hash": "密码摘要",
    "ended_sessions": "已退出的登录",
    "bound_to": "绑定的企业微信/公众号",
    "remind_key": "提醒索引",
    "transfer_id": "办理中的转接",
    "author_name": "姓名",
    "name": "姓名",
    "member_name": "姓名",
    "leave_note": "不准假理由",
    "corrections": "更正记录",
    "source": "数据来源",
    "note": "备注",
    "result": "成绩",
    "answers": "答案",
    "views": "最近阅读",
    "item": "文章",
    "muted": "关闭推送",
    "subject": "账号标识",
    "title": "标题",
    "text": "内容",
    "body": "内容",
    "reason": "理由",
    "base_fen": "工资基数",
    "roles": "职务",
    "education": "学历",
    "occupation": "职业",
    "answer": "答复",
    "rating_note": "评价说明",
    "shown_text": "展示内容",
    "replaced": "更正前的核定",
    "reverse_reason": "冲正理由",
    "records": "各步记录中的说明",
    "phone": "手机号",
    "gender": "性别",
    "birth_date": "出生日期",
    "joined_on": "入党日期",
    "photos": "照片",
    "shown_photos": "展示照片",
    "steps": "办理记录中的说明",
    "entries": "姓名与支部",
    "target_name": "姓名",
    "before": "修改前的内容",
    "after": "修改后的内容",
}
# What a deleted member's name becomes where a name is required (rows the units still count).
ERASED_NAME = "（已删除）"

UNTIL_DELETED = "在册期间及离开后，直至管理员删除其个人信息"
ORG_RECORD = "作为组织的工作记录长期保存"


@dataclass(frozen=True)
class Place:
    model: type[Model]
    label: str
    holds: str
    purpose: str
    keep: str
    erase: str = "none"
    member: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    personal: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.holds == "staff" and self.erase == "none":
            object.__setattr__(self, "erase", "official")

    @property
    def table(self) -> str:
        """The table's name without the stage's prefix."""
        return self.model.Meta.table_name.removeprefix(get_settings().table_prefix)


PLACES: tuple[Place, ...] = (
    # --- registry -------------------------------------------------------------------------------
    Place(OrgUnit, "组织单位", "none", "组织树（党委、党总支、党支部）", "长期"),
    Place(
        Member,
        "党员名册",
        "member",
        "党员身份、所在支部与职务：登录、权限范围、组织生活、统计",
        UNTIL_DELETED + "；删除后只留匿名占位（党员编号、支部、类别），使单位统计仍能对上",
        "blank",
        member=("member_no",),
        fields={
            "member_no": "党员编号",
            "name": "姓名",
            "gender": "性别",
            "phone": "手机号",
            "branch_id": "所在支部",
            "status": "党员类别",
            "roles": "职务",
            "joined_on": "入党日期",
            "birth_date": "出生日期",
            "education": "学历",
            "occupation": "职业",
            "active": "在册",
        },
        personal=(
            "name",
            "gender",
            "phone",
            "joined_on",
            "birth_date",
            "education",
            "occupation",
            "roles",
            "password_hash",
            "ended_sessions",
            "bound_to",
            "remind_key",
            "transfer_id",
        ),
    ),
    # --- login ----------------------------------------------------------------------------------
    Place(
        SessionFamily,
        "登录会话",
        "member",
        "保持登录、退出登录",
        "随登录有效期自动删除；停用即失效",
        "expire",
        member=("member_no",),
    ),
    Place(
        RefreshToken,
        "登录凭据（仅存摘要）",
        "member",
        "保持登录",
        "随登录有效期自动删除；停用即失效",
        "expire",
        member=("member_no",),
    ),
    Place(
        LoginThrottle,
        "登录失败记录",
        "member",
        "防止猜测密码",
        "数分钟至一天后自动删除",
        "expire",
    ),
    Place(
        SignInState,
        "企业微信/公众号登录中间状态",
        "none",
        "一次性登录流程",
        "数分钟后自动删除",
        "expire",
    ),
    Place(
        SignInBinding,
        "企业微信/公众号绑定",
        "member",
        "用企业微信或公众号直接登录、推送消息",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"key": "绑定", "subject": "账号标识", "bound_at": "绑定时间"},
        personal=("subject",),
    ),
    # --- reading and points ---------------------------------------------------------------------
    Place(CatalogItem, "文章目录", "none", "计算阅读时长与积分", "长期"),
    Place(
        ReadingState,
        "阅读进度",
        "member",
        "累计阅读时长（积分规则）",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"views": "最近阅读", "until": "计时截止"},
        personal=("views",),
    ),
    Place(
        ReadMark,
        "已读文章",
        "member",
        "学习进度（党章学习等）",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"item": "文章", "read_on": "读完日期"},
        personal=("item",),
    ),
    Place(
        WatchProgress,
        "微党课学习进度",
        "member",
        "续播位置、已看部分与视听学习时长（积分规则）",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={
            "slug": "党课",
            "position": "续播位置（秒）",
            "covered_seconds": "已看时长（秒）",
            "seconds": "计入的观看时长（秒）",
            "watched_on": "看完日期",
        },
        personal=("slug",),
    ),
    Place(
        LessonAssignment, "党课学习安排", "staff", "要求支部党员观看的党课（安排人）", ORG_RECORD
    ),
    Place(
        PointDay,
        "积分明细（按日）",
        "member",
        "积分账本：每一笔积分的来源",
        "长期（单位积分历史的来源）；删除后仅以党员编号为键保留数字",
        "keep",
        member=("member_no",),
        fields={"day": "日期", "version": "笔数"},
    ),
    Place(
        PointClaim,
        "积分领取记录",
        "member",
        "同一事项只记一次积分",
        "长期；删除后仅以党员编号为键保留",
        "keep",
        member=("member_no",),
        fields={"key": "事项", "day": "日期"},
    ),
    Place(
        PointTotal,
        "年度积分",
        "member",
        "积分排行、单位积分合计、工作台统计",
        "长期；删除后仅以党员编号为键保留数字，单位合计不变",
        "keep",
        member=("member_no",),
        fields={
            "period": "年度",
            "points": "本年积分",
            "carried": "往年累计",
            "months": "各月积分",
        },
    ),
    Place(Board, "排行榜", "derived", "排行榜、红黑榜（含姓名）", "每 10 分钟重算", "recompute"),
    Place(
        RankingState, "排行计算状态", "derived", "排行榜的增量计算", "每 10 分钟重算", "recompute"
    ),
    # --- review ---------------------------------------------------------------------------------
    Place(ReviewItem, "待审文章", "staff", "内容审核（审核人）", ORG_RECORD),
    Place(ReviewDecision, "审核记录", "staff", "内容审核（审核人）", ORG_RECORD),
    Place(PublishedVersion, "已发布版本", "staff", "内容发布（批准人）", ORG_RECORD),
    Place(ReviewFile, "文章附件", "none", "内容发布", "长期"),
    # --- interaction ----------------------------------------------------------------------------
    Place(
        Comment,
        "学习点评",
        "member",
        "展示她发表的点评",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={
            "slug": "文章",
            "text": "内容",
            "status": "状态",
            "created_at": "发表时间",
            "edited_at": "修改时间",
        },
        personal=("text", "author_name"),
    ),
    Place(CommentStats, "点评计数", "none", "文章的点评数", "长期"),
    Place(
        CommentLimit,
        "点评频次",
        "member",
        "每日、每分钟发表上限",
        "两天后自动删除",
        "expire",
    ),
    Place(
        CommentDecision,
        "点评审核记录",
        "member",
        "点评审核留痕",
        "随她的点评一并删除",
        "delete",
        member=("comment_ref",),
        fields={"action": "审核", "reason": "理由", "decided_at": "时间"},
        personal=("reason",),
    ),
    Place(Campaign, "投票活动", "none", "评选投票", "长期"),
    Place(VoteCount, "得票计数", "none", "评选结果", "长期"),
    Place(
        Ballot,
        "投票记录",
        "member",
        "每人票数限制；得票可据此复核",
        "长期；只含所投对象，删除后仅以党员编号为键保留",
        "keep",
        member=("member_no",),
        fields={"campaign_id": "投票活动", "records": "所投"},
    ),
    # --- quizzes --------------------------------------------------------------------------------
    Place(QuizQuestion, "题库", "none", "答题", "长期"),
    Place(Quiz, "测验", "none", "答题", "长期"),
    Place(
        QuizAttempt,
        "答题记录",
        "member",
        "答题、评分、查看解析",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={
            "attempt_key": "测验",
            "kind": "类型",
            "status": "状态",
            "answers": "作答",
            "result": "成绩",
            "started_at": "开始时间",
            "submitted_at": "提交时间",
        },
        personal=("answers", "result"),
    ),
    Place(
        QuizScore,
        "考试成绩排行",
        "member",
        "单位内考试排名",
        "长期；删除后姓名清除，成绩作为匿名数字保留",
        "blank",
        member=("member_no",),
        fields={"unit_key": "考试与单位", "score": "最好成绩", "seconds": "用时（秒）"},
        personal=("name",),
    ),
    Place(QuizTally, "党性体检统计", "none", "单位汇总（不含个人）", "长期"),
    Place(WeComCache, "企业微信凭据缓存", "none", "调用企业微信", "两小时内自动刷新"),
    # --- messages -------------------------------------------------------------------------------
    Place(
        Message,
        "消息",
        "member",
        "消息中心与推送",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"title": "标题", "body": "内容", "created_at": "时间", "read_at": "已读时间"},
        personal=("title", "body"),
    ),
    Place(
        NotifyPrefs,
        "消息设置",
        "member",
        "她关闭推送的消息类型",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"muted": "关闭推送", "updated_at": "修改时间"},
        personal=("muted",),
    ),
    Place(ReminderRun, "提醒运行记录", "none", "定时提醒只发一次", "自动删除"),
    # --- meetings -------------------------------------------------------------------------------
    Place(Meeting, "会议", "staff", "三会一课记录（组织者、主持人、记录人）", ORG_RECORD),
    Place(
        Attendance,
        "参会记录",
        "member",
        "签到、请假、单位出勤统计",
        "长期；删除后姓名、请假理由清除，出勤作为匿名数字保留",
        "blank",
        member=("member_no",),
        fields={
            "meeting_id": "会议",
            "role": "身份",
            "leave": "请假",
            "leave_reason": "请假理由",
            "present": "出席",
            "checked_in_at": "签到时间",
            "absent": "缺席",
        },
        personal=("name", "leave_reason", "leave_note", "corrections"),
    ),
    Place(PlanItem, "一月一清单", "staff", "组织生活计划（负责人）", ORG_RECORD),
    Place(UnitMonth, "单位月度组织生活统计", "none", "单位统计（不含个人）", "长期"),
    # --- dues -----------------------------------------------------------------------------------
    Place(
        DuesAssessment,
        "党费核定",
        "member",
        "按规定核定每月党费",
        "长期；删除后工资基数、说明清除，金额作为匿名数字保留",
        "blank",
        member=("member_no",),
        fields={
            "effective_from": "起始月份",
            "category": "类别",
            "base_fen": "基数（分）",
            "amount_fen": "月党费（分）",
            "reason": "原因",
            "note": "说明",
        },
        personal=("base_fen", "note", "source", "replaced"),
    ),
    Place(
        DuesMonth,
        "党费月度",
        "member",
        "应交、已交、欠交（单位收缴统计）",
        "长期（财务记录）；删除后姓名清除",
        "blank",
        member=("member_no",),
        fields={"month": "月份", "expected_fen": "应交（分）", "paid_fen": "已交（分）"},
        personal=("name",),
    ),
    Place(
        DuesPayment,
        "党费缴纳",
        "member",
        "缴费记录（财务凭证）",
        "长期（财务记录）；删除后姓名、备注、冲正理由清除",
        "blank",
        member=("member_no",),
        fields={
            "amount_fen": "金额（分）",
            "paid_on": "缴纳日期",
            "method": "方式",
            "allocations": "对应月份",
            "state": "状态",
        },
        personal=("name", "note", "reverse_reason"),
    ),
    Place(DuesRun, "党费月度开账", "none", "定时任务", "长期"),
    # --- transfers, recruitment, directory ------------------------------------------------------
    Place(
        Transfer,
        "组织关系转接",
        "member",
        "转接办理与介绍信",
        "长期（组织记录）；删除后姓名、电话、入党日期、事由和办理说明清除",
        "blank",
        member=("member_no",),
        fields={
            "kind": "类型",
            "state": "状态",
            "from_name": "转出",
            "to_name": "转入",
            "other_org": "外单位",
            "letter_no": "介绍信编号",
            "reason": "事由",
        },
        personal=("member_name", "phone", "joined_on", "reason", "steps"),
    ),
    Place(LetterCounter, "介绍信编号", "none", "介绍信连续编号", "长期"),
    Place(
        Recruit,
        "党员发展档案",
        "member",
        "入党申请至转正的各步记录",
        "长期（组织记录）；删除后姓名、电话、出生日期、各步说明等清除",
        "blank",
        member=("member_no",),
        fields={"stage": "阶段", "applied_on": "申请日期", "records": "各步记录"},
        personal=("name", "gender", "birth_date", "phone", "records"),
    ),
    Place(
        DirectoryShard,
        "通讯录索引",
        "member",
        "按姓名查找党员",
        "在册期间；停用即移除",
        "delete",
        member=("entries",),
        personal=("entries",),
    ),
    # --- volunteering, surveys, red energy ------------------------------------------------------
    Place(VolunteerActivity, "志愿活动", "staff", "志愿服务（发布人）", ORG_RECORD),
    Place(
        VolunteerSignup,
        "志愿服务报名",
        "member",
        "报名、签到、服务时长（单位时长统计）",
        "长期；删除后姓名清除，时长作为匿名数字保留",
        "blank",
        member=("member_no",),
        fields={
            "activity_id": "活动",
            "signed_at": "报名时间",
            "checked_in_at": "签到时间",
            "confirmed_half": "确认时长（半小时）",
        },
        personal=("name",),
    ),
    Place(Survey, "问卷", "staff", "问卷（发布人）", ORG_RECORD),
    Place(
        SurveyAnswer,
        "问卷答案",
        "member",
        "问卷统计（单位汇总）",
        "长期；删除后简答内容清除，选择题答案匿名保留在统计中",
        "blank",
        member=("member_no",),
        fields={"survey_id": "问卷", "answers": "答案", "at": "提交时间"},
        personal=("answers",),
    ),
    Place(
        RedEnergyWallet,
        "红能量账户",
        "member",
        "已使用的红能量",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"spent": "已使用"},
    ),
    Place(
        RedEnergyMovement,
        "红能量明细",
        "member",
        "兑换、捐赠、退回",
        UNTIL_DELETED,
        "delete",
        member=("member_no",),
        fields={"kind": "类型", "amount": "数量", "title": "项目", "at": "时间"},
        personal=("title",),
    ),
    Place(RedEnergyOffer, "红能量商品与项目", "staff", "兑换与捐赠项目（发布人）", ORG_RECORD),
    Place(
        RedEnergyOrder,
        "红能量兑换单",
        "member",
        "待发放与发放记录",
        "长期；删除后姓名、说明清除",
        "blank",
        member=("member_no",),
        fields={"title": "物品", "quantity": "数量", "cost": "红能量", "state": "状态"},
        personal=("member_name", "reason"),
    ),
    # --- posts, requests ------------------------------------------------------------------------
    Place(
        BranchPost,
        "支部家园帖子",
        "member",
        "展示她发表的内容",
        UNTIL_DELETED,
        "delete",
        member=("author",),
        fields={
            "text": "内容",
            "shown_text": "展示内容",
            "state": "状态",
            "version_state": "审核",
            "created_at": "发表时间",
        },
        personal=("text", "shown_text", "author_name", "photos", "shown_photos", "steps"),
    ),
    Place(
        ServiceRequest,
        "诉求",
        "member",
        "诉求办理、单位受理率与满意率",
        "长期；删除后诉求内容、照片、评价说明、姓名清除，办理时效作为匿名数字保留",
        "blank",
        member=("member_no",),
        fields={
            "category": "类别",
            "text": "内容",
            "state": "状态",
            "answer": "答复",
            "rating": "评价",
            "rating_note": "评价说明",
            "submitted_at": "提交时间",
        },
        personal=("member_name", "text", "photos", "answer", "rating_note", "steps"),
    ),
    # --- registry audit, inspections, console, assessment ---------------------------------------
    Place(
        AuditEntry,
        "名册修改记录",
        "member",
        "名册变更留痕（谁在何时改了什么）",
        "长期；删除后关于她的记录只留动作与时间，姓名和修改内容清除",
        "blank",
        member=("target_id",),
        fields={"action": "操作", "at": "时间", "actor_name": "操作人"},
        personal=("target_name", "before", "after"),
    ),
    Place(Inspection, "季度检查", "staff", "检查评分（检查人）", ORG_RECORD),
    Place(
        ConsoleFigure, "工作台统计", "derived", "党务工作台（含花名册）", "每小时重算", "recompute"
    ),
    Place(
        AssessmentItem, "考核评价结果", "derived", "考核评价（含党员得分）", "每晚重算", "recompute"
    ),
    Place(
        AssessmentGrade,
        "民主评议等次",
        "member",
        "年度民主评议",
        "长期（组织记录）；删除后姓名、理由清除，等次作为匿名数字保留",
        "blank",
        member=("member_no",),
        fields={"year": "年度", "grade": "等次", "reason": "理由"},
        personal=("name", "reason"),
    ),
)

# Every other attribute of the tables that hold a member's items ("member") or staff's records
# ("staff"), by why it is not personal: a new attribute fails the unit test until it is listed
# here or in its place's `personal` (then the deletion removes it: `personal_erase`).
KEYS = "键、索引与编号"
UNITS = "单位与路径"
TIMES = "时间与日期"
STATE = "状态、版本与技术字段"
FIGURES = "数字与选项（统计用，不是她写的文字）"
STAFF = "工作人员的编号、姓名与其说明（任职时的操作）"
RECORD = "组织的工作记录内容"
NOT_PERSONAL: dict[type[Model], dict[str, tuple[str, ...]]] = {
    Member: {
        UNITS: ("branch_id", "prior_branch_id"),
        TIMES: ("branch_since", "erased_at", "transferred_out_at", "updated_at"),
        STATE: ("active", "placed_by", "rev", "session_epoch", "status"),
    },
    SessionFamily: {
        KEYS: ("family_id",),
        TIMES: ("created_at", "expires_at"),
        STATE: ("epoch", "revoked"),
    },
    RefreshToken: {
        KEYS: ("family_id", "successor_hash", "token_hash"),
        TIMES: ("expires_at", "used_at"),
    },
    LoginThrottle: {
        KEYS: ("key",),
        TIMES: ("expires_at",),
        STATE: ("count", "failures", "version"),
    },
    SignInBinding: {
        KEYS: ("key",),
        TIMES: ("bound_at",),
    },
    ReadingState: {
        TIMES: ("until", "watch_day"),
        STATE: ("version",),
        FIGURES: ("watch_seconds",),
    },
    ReadMark: {
        KEYS: ("series_day",),
        TIMES: ("read_on",),
    },
    WatchProgress: {
        TIMES: ("updated", "watched_on"),
        FIGURES: ("covered", "covered_seconds", "duration", "position", "seconds"),
    },
    LessonAssignment: {
        KEYS: ("notice_key", "notified", "slug", "unit_id"),
        UNITS: ("unit_name", "unit_path"),
        TIMES: ("assigned_at", "due_on", "updated_at"),
        STATE: ("rev",),
        STAFF: ("assigned_by", "updated_by"),
        RECORD: ("note", "title"),
    },
    PointDay: {
        TIMES: ("day",),
        STATE: ("version",),
    },
    PointClaim: {
        KEYS: ("key",),
        TIMES: ("at", "day"),
    },
    PointTotal: {
        TIMES: ("period", "updated_at"),
        STATE: ("revision", "rules"),
        FIGURES: ("carried", "counts", "days", "months", "points", "recent", "weeks"),
    },
    ReviewItem: {
        KEYS: ("branch_id", "content_hash", "slug"),
        UNITS: ("pending_path", "pending_root", "source_path"),
        TIMES: ("day", "decided_at", "registered_at"),
        STATE: ("state",),
        STAFF: ("decided_by", "registered_by"),
        RECORD: ("category", "files", "preview_html", "reason", "series", "source_text", "title"),
    },
    ReviewDecision: {
        KEYS: ("branch_id", "content_hash", "decision_key", "slug"),
        TIMES: ("decided_at",),
        STAFF: ("reviewer", "reviewer_name"),
        RECORD: ("decision", "reason"),
    },
    PublishedVersion: {
        KEYS: ("content_hash", "slug"),
        UNITS: ("branch_path", "source_path"),
        TIMES: ("approved_at", "registered_at"),
        STAFF: ("approved_by",),
        RECORD: ("files", "source_text"),
    },
    Comment: {
        KEYS: ("branch_id", "comment_id", "slug"),
        UNITS: ("branch_name", "branch_path", "mod_path", "mod_root"),
        TIMES: ("created_at", "decided_at", "edited_at"),
        STATE: ("hits", "round", "status"),
        FIGURES: ("featured",),
        STAFF: ("decided_by", "reason"),
    },
    CommentLimit: {
        KEYS: ("key",),
        TIMES: ("expires_at",),
        STATE: ("count", "minute", "minute_count"),
    },
    CommentDecision: {
        KEYS: ("branch_id", "decision_key"),
        TIMES: ("decided_at",),
        FIGURES: ("action",),
        STAFF: ("reviewer", "reviewer_name"),
    },
    Ballot: {
        KEYS: ("campaign_id",),
        STATE: ("version",),
        FIGURES: ("records",),
    },
    QuizAttempt: {
        KEYS: ("attempt_key", "branch_id", "quiz_id", "quiz_version"),
        TIMES: ("deadline", "started_at", "submitted_at"),
        STATE: ("closed_by", "items", "kind", "position", "settings", "status"),
    },
    QuizScore: {
        KEYS: ("branch_id", "rank_key", "unit_key"),
        FIGURES: ("score", "seconds"),
    },
    Message: {
        KEYS: ("about", "event_key", "message_id", "push_shard", "sort_key", "unread_at"),
        TIMES: ("created_at", "read_at"),
        STATE: ("kind", "lease_until", "mp", "push_due", "url", "wecom"),
        FIGURES: ("urgent",),
    },
    NotifyPrefs: {
        TIMES: ("updated_at",),
    },
    Meeting: {
        KEYS: ("meeting_id", "request_key", "tree_sort", "unit_id", "unit_sort"),
        UNITS: ("unit_name", "unit_path"),
        TIMES: (
            "cancelled_at",
            "created_at",
            "ends_at",
            "locked_at",
            "month",
            "settled_at",
            "starts_at",
            "updated_at",
        ),
        STATE: ("kind", "state"),
        STAFF: ("cancelled_by", "locked_by"),
        RECORD: (
            "agenda",
            "attachments",
            "cancel_reason",
            "checkin_secret",
            "corrections",
            "decisions",
            "file_keys",
            "guests",
            "host",
            "host_name",
            "invited",
            "minutes",
            "online_url",
            "organiser",
            "organiser_name",
            "photos",
            "place",
            "recorder",
            "recorder_name",
            "topic",
            "visible_to_members",
        ),
    },
    Attendance: {
        KEYS: ("branch_id", "meeting_id", "member_sort"),
        TIMES: ("checked_in_at", "leave_at", "leave_decided_at"),
        STATE: ("settled", "status"),
        FIGURES: ("absent", "leave", "present", "role"),
        STAFF: ("leave_decided_by",),
    },
    PlanItem: {
        KEYS: ("meeting_id", "plan_key", "unit_id"),
        TIMES: ("month", "updated_at"),
        STATE: ("kind",),
        STAFF: ("updated_by",),
        RECORD: (
            "due",
            "note",
            "removed",
            "required",
            "responsible",
            "responsible_name",
            "source",
            "title",
        ),
    },
    DuesAssessment: {
        KEYS: ("branch_id",),
        TIMES: ("assessed_at", "effective_from"),
        STATE: ("rules_digest",),
        FIGURES: ("amount_fen", "bracket", "category", "rate", "reason"),
        STAFF: ("assessed_by",),
    },
    DuesMonth: {
        KEYS: ("branch_id", "refs", "tree_key"),
        TIMES: ("month", "opened_at", "reminded_on"),
        FIGURES: ("assessed_from", "expected_fen", "paid_fen"),
    },
    DuesPayment: {
        KEYS: ("ref",),
        TIMES: ("paid_on", "recorded_at", "reversed_at"),
        STATE: ("state",),
        FIGURES: ("allocations", "amount_fen", "method", "source"),
        STAFF: ("recorded_by", "reversed_by"),
    },
    Transfer: {
        KEYS: ("letter_no", "letter_seq", "letter_year", "sort", "transfer_id"),
        UNITS: (
            "from_name",
            "from_path",
            "from_unit",
            "org",
            "other_org",
            "to_name",
            "to_path",
            "to_unit",
        ),
        TIMES: ("ended_at", "settled_at", "started_at"),
        STATE: ("kind", "state", "status"),
        STAFF: ("started_by",),
    },
    Recruit: {
        KEYS: ("branch_id", "person_id", "request_key", "tree_sort"),
        UNITS: ("branch_path", "branch_path_kinds", "root"),
        TIMES: ("applied_on", "created_at"),
        STATE: ("version",),
        FIGURES: ("extension_months", "stage"),
        STAFF: ("created_by",),
    },
    DirectoryShard: {
        KEYS: ("shard",),
        TIMES: ("rebuilt_at",),
    },
    VolunteerActivity: {
        KEYS: ("activity_id", "request_key", "tree_sort", "unit_id", "unit_sort"),
        UNITS: ("org", "unit_name", "unit_path"),
        TIMES: ("confirmed_at", "created_at", "deadline_at", "ends_at", "starts_at"),
        STATE: ("state",),
        STAFF: ("confirmed_by",),
        RECORD: (
            "checkin_secret",
            "deadline_ts",
            "default_half",
            "description",
            "ends_ts",
            "full_only",
            "place",
            "places",
            "publisher",
            "publisher_name",
            "starts_ts",
            "taken",
            "topic",
        ),
    },
    VolunteerSignup: {
        KEYS: ("activity_id", "branch_id", "member_sort"),
        TIMES: ("checked_in_at", "signed_at"),
        FIGURES: ("confirmed_half", "corrections", "hours_half"),
    },
    Survey: {
        KEYS: ("sort", "survey_id", "unit_id"),
        UNITS: ("listed_unit", "org", "unit_name", "unit_path"),
        TIMES: ("closed_at", "closes_at", "created_at", "opens_at", "published_at", "updated_at"),
        STATE: ("state",),
        STAFF: ("closed_by", "created_by", "published_by"),
        RECORD: ("intro", "questions", "title"),
    },
    SurveyAnswer: {
        KEYS: ("survey_id",),
        UNITS: ("group",),
        TIMES: ("at",),
    },
    RedEnergyWallet: {
        TIMES: ("updated_at",),
        FIGURES: ("spent",),
    },
    RedEnergyMovement: {
        KEYS: ("key", "offer_id", "order_id", "sort"),
        TIMES: ("at",),
        STATE: ("kind",),
        FIGURES: ("amount", "earned", "quantity"),
    },
    RedEnergyOffer: {
        KEYS: ("offer_key", "stock_key", "unit_id"),
        TIMES: ("created_at", "deadline", "updated_at"),
        STATE: ("kind",),
        STAFF: ("created_by",),
        RECORD: (
            "active",
            "cost",
            "description",
            "donations",
            "raised",
            "redeemed",
            "stock",
            "target",
            "title",
        ),
    },
    RedEnergyOrder: {
        KEYS: ("item_id", "member_sort", "order_id", "unit_id", "unit_sort"),
        UNITS: ("branch_name",),
        TIMES: ("closed_at", "created_at"),
        STATE: ("state",),
        FIGURES: ("cost", "quantity", "title"),
        STAFF: ("closed_by", "closed_by_name"),
    },
    BranchPost: {
        KEYS: (
            "branch_id",
            "branch_key",
            "content_hash",
            "created_sort",
            "feed_key",
            "post_id",
            "shown_hash",
            "sort",
        ),
        UNITS: ("branch_name", "branch_path", "feed_unit", "pending_path", "pending_root"),
        TIMES: ("approved_at", "created_at", "decided_at", "published_at", "version_at"),
        STATE: ("hits", "sent", "state", "version", "version_state"),
        STAFF: ("approved_by", "decided_by", "reason"),
    },
    ServiceRequest: {
        KEYS: ("branch_id", "closed_sort", "due_sort", "request_id", "sort", "unit_id"),
        UNITS: (
            "open_unit",
            "org",
            "origin_path",
            "origin_unit",
            "public_org",
            "unit_name",
            "unit_path",
        ),
        TIMES: (
            "accepted_at",
            "closed_at",
            "due_at",
            "rated_at",
            "reaccepted_at",
            "step_at",
            "submitted_at",
            "transferred_at",
        ),
        STATE: ("state", "version"),
        FIGURES: ("accept_hours", "anonymous", "category", "handle_hours", "rating", "transfers"),
    },
    AuditEntry: {
        KEYS: ("entry_id", "fingerprint", "mark_key", "sort", "unit_id"),
        UNITS: ("units",),
        TIMES: ("at",),
        FIGURES: ("action", "target_kind"),
        STAFF: ("actor_name", "actor_no"),
    },
    Inspection: {
        KEYS: ("bulletin_sort", "inspection_id", "request_key", "sort", "unit_id"),
        UNITS: (
            "bulletin_unit",
            "owner_path",
            "owner_unit",
            "unit_count",
            "unit_ids",
            "unit_name",
            "unit_path",
        ),
        TIMES: ("created_at", "published_at"),
        STATE: ("rev", "state"),
        STAFF: ("created_by", "created_by_name", "published_by", "published_by_name"),
        RECORD: (
            "cells",
            "checklist",
            "grade",
            "owner_name",
            "part",
            "quarter",
            "rank",
            "summary",
            "title",
            "total",
        ),
    },
    AssessmentGrade: {
        KEYS: ("branch_id", "request_key", "tree_key"),
        TIMES: ("entered_at", "year"),
        FIGURES: ("grade",),
        STAFF: ("entered_by",),
    },
}


BY_MODEL: dict[type[Model], Place] = {p.model: p for p in PLACES}


def place(model: type[Model]) -> Place:
    return BY_MODEL[model]


def unclassified() -> list[str]:
    """Models of ALL_MODELS the map forgets (a unit test keeps this empty)."""
    return sorted(m.__name__ for m in ALL_MODELS if m not in BY_MODEL)


def unclassified_attributes() -> list[str]:
    """ "Model.attribute" of every attribute of a member-held or staff-record table that is
    neither hers (`member`), nor personal, nor listed in NOT_PERSONAL; and any listed twice
    (as not personal and personal, or in two groups) or not an attribute."""
    out = []
    for p in PLACES:
        if p.holds not in ("member", "staff"):
            continue
        plain = [a for names in NOT_PERSONAL.get(p.model, {}).values() for a in names]
        named = {*p.member, *p.personal}
        attrs = set(p.model.get_attributes())
        name = p.model.__name__
        out += [f"{name}.{a}" for a in sorted(attrs - named - set(plain))]
        out += [f"{name}.{a} (twice)" for a in sorted(set(plain)) if plain.count(a) > 1]
        out += [f"{name}.{a} (twice)" for a in sorted(named & set(plain))]
        out += [f"{name}.{a} (no such)" for a in sorted((named | set(plain)) - attrs)]
    return out


def readme_rows() -> list[str]:
    """The README's table (a test compares it with the README), one Markdown row per table that
    holds anything about a member."""
    rows = [
        "| 表 | 存放的个人信息 | 用途 | 保存期限 | 删除个人信息时 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in PLACES:
        if p.holds == "none":
            continue
        what = "、".join(p.fields.get(a) or OTHER_LABELS[a] for a in p.personal) or (
            "党员编号" if p.member else "党员编号（在键中）"
        )
        if p.holds == "staff":
            what = "工作人员的编号、姓名（仅其任职时的操作）"
        if p.holds == "derived":
            what = "姓名、统计数字（由其他表计算）"
        rows.append(
            f"| {p.label}（`{p.table}`） | {what} | "
            f"{p.purpose} | {p.keep} | {ERASE_LABELS[p.erase]} |"
        )
    return rows
