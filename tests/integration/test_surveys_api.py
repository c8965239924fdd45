"""问卷 over HTTP on DynamoDB Local: staff compose, publish and close; members answer once
(parallel identical submits → one answer, the others 409); results with small-group protection
(overall under 3, a group under 3, secondary suppression) in JSON and in the XLSX workbook;
every refused transition and every bad input answered in Chinese with nothing written."""

from __future__ import annotations

import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
from openpyxl import load_workbook

from chalicelib import clock, survey_results
from chalicelib.models.surveys import Survey, SurveyAnswer
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")
XLSX = survey_results.XLSX


def later(days: float) -> str:
    """Beijing time `days` from now as the form sends it (the API runs at the real time)."""
    moment = datetime.fromtimestamp(time.time() + days * 86400, clock.TZ)
    return moment.strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    people = {
        "c1": make_member("90000001", "B3", name="党委委员", roles=("party_committee",)),
        "g1": make_member("90000002", "B2", name="总支委员", roles=("general_branch_committee",)),
        "sec1": make_member("90000003", "B1", name="一支书记", roles=("branch_secretary",)),
        "read1": make_member("90000004", "B1", name="一支委员", roles=("branch_committee",)),
        "sec3": make_member("90000005", "B3", name="机关书记", roles=("branch_secretary",)),
    }
    for n in range(1, 7):
        people[f"b1_{n}"] = make_member(f"9110000{n}", "B1", name=f"一支党员{n}", password=None)
    for n in range(1, 4):
        people[f"b2_{n}"] = make_member(f"9120000{n}", "B2", name=f"二支党员{n}", password=None)
    for n in range(1, 5):
        people[f"b3_{n}"] = make_member(f"9130000{n}", "B3", name=f"机关党员{n}", password=None)
    return people


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = {**(bearer(member) if member else {}), **kw.pop("headers", {})}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


QUESTIONS = [
    {
        "kind": "single",
        "text": "您对本季度主题党日的总体评价",
        "options": ["满意", "一般", "不满意"],
    },
    {
        "kind": "multiple",
        "text": "希望增加哪些学习形式",
        "options": ["专题讲座", "参观学习", "线上微课", "读书分享"],
        "min": 1,
        "max": 2,
    },
    {"kind": "rating", "text": "为支部活动组织打分"},
    {"kind": "text", "text": "其他意见和建议"},
]


def survey_body(unit: str = "C1", **over) -> dict:
    body = {
        "unit_id": unit,
        "title": "2027年一季度党员学习需求调查",
        "intro": "不记名，约需3分钟。",
        "questions": QUESTIONS,
        "closes_at": later(10),
        "request_key": rid(),
    }
    body.update(over)
    return body


def published(stack, staff, unit: str = "C1", **over) -> str:
    r = call(stack, "POST", "/surveys", staff, json=survey_body(unit, **over))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = call(stack, "POST", f"/surveys/{sid}/publish", staff)
    assert r.status_code == 200, r.text
    return sid


def answer(stack, member, sid: str, **over) -> requests.Response:
    answers = {"q1": "o1", "q2": ["o1", "o3"], "q3": 4, "q4": "希望多组织实地参观😀"}
    answers.update(over)
    answers = {k: v for k, v in answers.items() if v is not ...}
    return call(stack, "POST", f"/surveys/{sid}/answers", member, json={"answers": answers})


def results(stack, staff, sid: str) -> dict:
    r = call(stack, "GET", f"/surveys/{sid}/results", staff)
    assert r.status_code == 200, r.text
    return r.json()


def test_publish_answer_once_and_see_results(stack, org):
    sid = published(stack, org["c1"])
    mine = call(stack, "GET", "/me/surveys", org["b1_1"]).json()["surveys"]
    assert [(s["id"], s["phase"], s["answered"]) for s in mine] == [(sid, "open", False)]
    got = call(stack, "GET", f"/surveys/{sid}", org["b1_1"]).json()
    assert got["answered"] is False and len(got["questions"]) == 4
    assert got["questions"][1]["options"][2] == {"id": "o3", "text": "线上微课"}
    r = answer(stack, org["b1_1"], sid)
    assert r.status_code == 201, r.text
    again = answer(stack, org["b1_1"], sid, q1="o2")
    assert again.status_code == 409 and "已提交过" in again.json()["Message"]
    assert call(stack, "GET", f"/surveys/{sid}", org["b1_1"]).json()["answered"] is True
    for who in ("b1_2", "b3_1"):
        assert answer(stack, org[who], sid, q1="o2", q3=5).status_code == 201
    data = results(stack, org["c1"], sid)
    assert data["respondents"] == 3 and data["protected"] is False
    q1, q2, q3, q4 = data["overall"]
    assert [o["count"] for o in q1["options"]] == [1, 2, 0]
    assert [o["count"] for o in q2["options"]] == [3, 0, 3, 0]
    assert q3["distribution"] == [0, 0, 0, 1, 2] and q3["average"] == 4.67
    assert q4["texts"] == ["希望多组织实地参观😀"] * 3
    # Groups: 第一党总支 (2) and 机关党支部 (1): both hidden, only their counts.
    assert [(g["unit"]["name"], g["respondents"], g["protected"]) for g in data["groups"]] == [
        ("机关党支部", 1, True),
        ("第一党总支", 2, True),
    ]
    assert all(g["questions"] is None for g in data["groups"])
    text = json.dumps(data, ensure_ascii=False)
    assert not any(org[k].member_no in text for k in org)


def test_parallel_identical_submits_count_once(stack, org):
    sid = published(stack, org["g1"], "G1")
    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(lambda _: answer(stack, org["b2_1"], sid).status_code, range(8)))
    assert codes == [201] + [409] * 7
    assert SurveyAnswer.count(sid, consistent_read=True) == 1


def test_small_group_protection_and_its_workbook(stack, org):
    sid = published(stack, org["c1"])
    # fewer than 3 overall: only the count
    answer(stack, org["b1_1"], sid)
    answer(stack, org["b3_1"], sid, q1="o3")
    data = results(stack, org["c1"], sid)
    assert data["respondents"] == 2 and data["protected"] and data["overall"] is None
    assert all(g["questions"] is None for g in data["groups"])
    # 第一党总支 4, 机关党支部 2: the small one hidden, and (secondary suppression) the other
    # too, or the overall figures minus it would give the small group's answers away.
    for who in ("b1_2", "b2_1", "b2_2"):
        assert answer(stack, org[who], sid).status_code == 201
    answer(stack, org["b3_2"], sid, q1="o3")
    data = results(stack, org["c1"], sid)
    assert data["overall"] is not None
    assert [(g["respondents"], g["protected"]) for g in data["groups"]] == [(2, True), (4, True)]
    # 机关党支部 reaches 3: both groups shown
    answer(stack, org["b3_3"], sid, q1="o3")
    data = results(stack, org["c1"], sid)
    groups = {g["unit"]["name"]: g for g in data["groups"]}
    assert groups["机关党支部"]["protected"] is False
    assert [o["count"] for o in groups["机关党支部"]["questions"][0]["options"]] == [0, 0, 3]
    assert all("texts" not in q for g in data["groups"] for q in g["questions"])
    # not even how many in a group wrote a text: that would place the texts in their groups
    texts = {"id": "q4", "answered": None, "protected": False}
    assert [g["questions"][3] for g in data["groups"]] == [texts] * 2
    # the same protection in the workbook: back to a hidden group
    sid2 = published(stack, org["c1"])
    for who in ("b1_1", "b1_2", "b2_1", "b3_1"):
        answer(stack, org[who], sid2, q4="机关意见" if who == "b3_1" else "总支意见")
    r = call(
        stack,
        "GET",
        f"/surveys/{sid2}/results?format=xlsx",
        org["c1"],
        headers={"Accept": XLSX},
    )
    assert r.status_code == 200 and r.headers["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(r.content))
    cells = [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    ]
    assert "4" in cells  # respondents overall
    assert "机关意见" in cells  # texts overall, without a name or group
    assert not any(org[k].member_no in cells for k in org)
    groups = book["分组"]
    rows = [tuple(r) for r in groups.iter_rows(values_only=True)]
    assert ("机关党支部", "提交人数", 1) in rows and ("第一党总支", "提交人数", 3) in rows
    assert sum(1 for r in rows if r[1] == survey_results.HIDDEN) == 2
    assert not any(r[1] in ("满意", "作答人数") for r in rows)
    # without the Accept header: refused, as the 三会一课 export
    r = call(stack, "GET", f"/surveys/{sid2}/results?format=xlsx", org["c1"])
    assert r.status_code == 400


OPTIONAL = [
    {"kind": "single", "text": "总体评价", "options": ["满意", "不满意"]},
    {"kind": "rating", "text": "给书记打分（选填）", "required": False},
    {"kind": "single", "text": "敏感问题（选填）", "options": ["是", "否"], "required": False},
    {"kind": "multiple", "text": "另一选填", "options": ["甲", "乙"], "required": False},
]


def test_question_answered_by_few_shows_only_its_count(stack, org):
    """Small-group protection per question: in a shown group of 3 where one answered an optional
    question, that question shows only its count (page and 分组 sheet); the next smallest group
    hides it too (overall − shown groups would give it away); a question fewer than 3 answered
    overall shows only its count overall and in every group."""
    sid = published(stack, org["c1"], questions=OPTIONAL)

    def send(who: str, **answers) -> None:
        r = call(stack, "POST", f"/surveys/{sid}/answers", org[who], json={"answers": answers})
        assert r.status_code == 201, r.text

    send("b3_1", q1="o1")
    send("b3_2", q1="o1")
    send("b3_3", q1="o1", q2=1, q3="o1", q4=["o1"])  # the only one in 机关 to answer q2–q4
    for n in range(1, 5):  # 一支 (in 总支 G1: 4 of them, all answer q2 and q3)
        send(f"b1_{n}", q1="o2", q2=5, q3="o2")
    for n in range(1, 4):  # 二支 (in G1 too)
        send(f"b2_{n}", q1="o2", q2=4, q3="o2")
    data = results(stack, org["c1"], sid)
    groups = {g["unit"]["id"]: g for g in data["groups"]}
    assert groups["B3"]["respondents"] == 3 and not groups["B3"]["protected"]
    b3 = {q["id"]: q for q in groups["B3"]["questions"]}
    assert b3["q1"]["options"][0]["count"] == 3  # answered by all three: shown
    for qid in ("q2", "q3"):
        assert b3[qid] == {"id": qid, "answered": None, "protected": True}
    g1 = {q["id"]: q for q in groups["G1"]["questions"]}
    # 总支 is the only other group: showing its q2 would give 机关's one rating away
    assert g1["q2"] == {"id": "q2", "answered": None, "protected": True}
    assert g1["q1"]["protected"] is False and g1["q1"]["options"][1]["count"] == 7
    overall = {q["id"]: q for q in data["overall"]}
    assert overall["q2"]["distribution"] == [1, 0, 0, 3, 4]  # 8 answered: shown
    assert overall["q4"] == {"id": "q4", "answered": 1, "protected": True}  # 1 answered
    assert {q["id"]: q for q in groups["G1"]["questions"]}["q4"]["protected"] is True
    r = call(
        stack, "GET", f"/surveys/{sid}/results?format=xlsx", org["c1"], headers={"Accept": XLSX}
    )
    sheet = load_workbook(io.BytesIO(r.content))["分组"]
    cells = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(cells) if row[0] == "机关党支部")
    rows = cells[start : start + 12]
    assert any(row[0] and row[0].startswith("2. ") for row in rows)
    after_q2 = next(i for i, row in enumerate(rows) if row[0] and row[0].startswith("2. "))
    assert rows[after_q2][1] == survey_results.HIDDEN_QUESTION
    assert not any(row[1] == "作答人数" and row[2] == 1 for row in rows)
    assert not any(row[1] and "星" in str(row[1]) for row in rows)


def test_old_open_survey_stays_listed_after_many_newer(stack, org):
    """The lists are queried per unit (member: the sparse by-unit index of the units on her
    path; desk: the unit's subtree by path prefix), not the organisation's newest 200 filtered
    afterwards: 250 newer surveys elsewhere (and drafts) hide nothing."""
    from chalicelib import surveys

    sid = published(stack, org["sec1"], "B1")
    base = Survey.get(sid)
    now = time.time()
    with Survey.batch_write() as batch:
        for n in range(250):
            i = f"sv_{n:024x}"
            unit, path = ("B3", ["C1", "B3"]) if n % 2 else ("B2", ["C1", "G1", "B2"])
            batch.save(
                Survey(i, unit_id=unit, unit_name="x", unit_path=path, title=f"t{n}",
                       questions=base.questions, state="published" if n % 3 else "draft",
                       listed_unit=unit if n % 3 else None, closes_at=now + 86400,
                       created_at=now + n, created_by="x", updated_at=now, org="C1",
                       sort=surveys.sort_key(path, now + 10 + n, i))
            )  # fmt: skip
    mine = call(stack, "GET", "/me/surveys", org["b1_1"]).json()["surveys"]
    assert [s["id"] for s in mine] == [sid]
    desk = call(stack, "GET", "/units/B1/surveys", org["sec1"]).json()["surveys"]
    assert [s["id"] for s in desk] == [sid]
    desk = call(stack, "GET", "/units/C1/surveys", org["c1"]).json()["surveys"]
    assert len(desk) == 251 and desk[-1]["id"] == sid  # the whole subtree, newest first
    desk = call(stack, "GET", "/units/G1/surveys", org["g1"]).json()["surveys"]
    assert len(desk) == 126 and sid in [s["id"] for s in desk]


def test_branch_survey_has_no_breakdown(stack, org):
    sid = published(stack, org["sec1"], "B1")
    for n in range(1, 4):
        answer(stack, org[f"b1_{n}"], sid)
    data = results(stack, org["sec1"], sid)
    assert data["respondents"] == 3 and data["groups"] == []
    # a member of another branch is no respondent: the same 404 as an unknown survey
    r = answer(stack, org["b2_1"], sid)
    assert r.status_code == 404
    assert call(stack, "GET", f"/surveys/{sid}", org["b2_1"]).status_code == 404
    assert call(stack, "GET", "/me/surveys", org["b2_1"]).json()["surveys"] == []


def test_transitions_refused(stack, org):
    r = call(stack, "POST", "/surveys", org["sec1"], json=survey_body("B1"))
    sid = r.json()["id"]
    assert r.json()["state"] == "draft"
    # a draft is not the members'
    assert call(stack, "GET", f"/surveys/{sid}", org["b1_1"]).status_code == 404
    assert answer(stack, org["b1_1"], sid).status_code == 404
    r = call(stack, "POST", f"/surveys/{sid}/close", org["sec1"])
    assert r.status_code == 409 and "草稿" in r.json()["Message"]
    # read-only staff cannot publish; staff elsewhere get the unknown survey's 404
    assert call(stack, "POST", f"/surveys/{sid}/publish", org["read1"]).status_code == 403
    assert call(stack, "POST", f"/surveys/{sid}/publish", org["sec3"]).status_code == 404
    assert call(stack, "POST", f"/surveys/sv_{'0' * 24}/publish", org["sec3"]).status_code == 404
    assert call(stack, "POST", f"/surveys/{sid}/publish", org["sec1"]).status_code == 200
    r = call(stack, "POST", f"/surveys/{sid}/publish", org["sec1"])
    assert r.status_code == 409
    edit = {k: v for k, v in survey_body().items() if k not in ("unit_id", "request_key")}
    r = call(stack, "PUT", f"/surveys/{sid}", org["sec1"], json=edit)
    assert r.status_code == 409 and "题目已固定" in r.json()["Message"]
    assert call(stack, "GET", f"/surveys/{sid}/results", org["read1"]).status_code == 200
    assert call(stack, "GET", f"/surveys/{sid}/results", org["b1_1"]).status_code == 404
    assert call(stack, "POST", f"/surveys/{sid}/close", org["sec1"]).status_code == 200
    assert call(stack, "POST", f"/surveys/{sid}/close", org["sec1"]).status_code == 409
    r = answer(stack, org["b1_1"], sid)
    assert r.status_code == 409 and "已结束" in r.json()["Message"]
    # not yet open, then past its closing time
    sid = published(stack, org["sec1"], "B1", opens_at=later(1))
    r = answer(stack, org["b1_1"], sid)
    assert r.status_code == 409 and "尚未开始" in r.json()["Message"]
    # time passes (the API runs at the real time: the survey's times move instead)
    Survey(sid).update(actions=[Survey.opens_at.set(time.time() - 60)])
    r = answer(stack, org["b1_1"], sid)
    assert r.status_code == 201, r.text
    Survey(sid).update(actions=[Survey.closes_at.set(time.time() - 1)])
    r = answer(stack, org["b1_2"], sid)
    assert r.status_code == 409 and "已结束" in r.json()["Message"]
    assert SurveyAnswer.count(sid, consistent_read=True) == 1


def test_answer_after_the_close_refused_even_from_a_stale_read(stack, org, monkeypatch):
    """The answer's write checks the survey itself (ConditionCheck in the transaction): a read
    that still saw it open — eventual consistency, or a close landing between read and put —
    does not get an answer counted after 结束收集 or after the closing time. (Called in-process:
    the served API runs in its own process, where a stale read cannot be arranged.)"""
    from chalicelib import registry, surveys
    from chalicelib.errors import ConflictError

    closed = published(stack, org["sec1"], "B1")
    passed = published(stack, org["sec1"], "B1")
    stale = {sid: Survey.get(sid, consistent_read=True) for sid in (closed, passed)}
    assert call(stack, "POST", f"/surveys/{closed}/close", org["sec1"]).status_code == 200
    Survey(passed).update(actions=[Survey.closes_at.set(time.time() - 1)])
    monkeypatch.setattr(surveys, "load", lambda survey_id, consistent=False: stale[survey_id])
    body = {"answers": {"q1": "o1", "q2": ["o1"], "q3": 4}}
    for sid in (closed, passed):
        with pytest.raises(ConflictError, match="已结束"):
            surveys.answer(registry.caller_for(org["b1_1"]), sid, body)
        assert SurveyAnswer.count(sid, consistent_read=True) == 0


def test_create_scope_and_retry(stack, org):
    body = survey_body("B1")
    assert call(stack, "POST", "/surveys", org["sec3"], json=body).status_code == 403
    assert call(stack, "POST", "/surveys", org["read1"], json=body).status_code == 403
    assert call(stack, "POST", "/surveys", org["b1_1"], json=body).status_code == 403
    unknown = survey_body("NOPE")
    assert call(stack, "POST", "/surveys", org["sec3"], json=unknown).status_code == 403
    first = call(stack, "POST", "/surveys", org["sec1"], json=body)
    again = call(stack, "POST", "/surveys", org["sec1"], json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(list(Survey.scan(consistent_read=True))) == 1
    # staff lists: the unit's and its superiors', not a sibling's
    assert len(call(stack, "GET", "/units/B1/surveys", org["sec1"]).json()["surveys"]) == 1
    assert len(call(stack, "GET", "/units/C1/surveys", org["c1"]).json()["surveys"]) == 1
    assert call(stack, "GET", "/units/B1/surveys", org["sec3"]).status_code == 403
    assert call(stack, "GET", "/units/B3/surveys", org["sec3"]).json()["surveys"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"questions": []}, "须为 1 到 50 道"),
        ({"questions": [QUESTIONS[0]] * 51}, "须为 1 到 50 道"),
        (
            {"questions": [QUESTIONS[0], {**QUESTIONS[0], "options": ["是", "是"]}]},
            "第2题：选项不能重复",
        ),
        (
            {"questions": [{**QUESTIONS[0], "options": ["唯一"]}]},
            "第1题：选项（options）须为 2 到 20 个",
        ),
        ({"questions": [{**QUESTIONS[0], "options": [str(n) for n in range(21)]}]}, "2 到 20 个"),
        (
            {"questions": [QUESTIONS[0], QUESTIONS[1], {"kind": "matrix", "text": "x"}]},
            "第3题：题型",
        ),
        ({"questions": [{**QUESTIONS[1], "min": 3, "max": 2}]}, "第1题：最多选择数"),
        ({"questions": [{**QUESTIONS[1], "min": 0}]}, "第1题：最少选择数"),
        ({"questions": [{**QUESTIONS[1], "max": "2"}]}, "第1题：最多选择数"),
        ({"questions": [{**QUESTIONS[0], "min": 1}]}, "第1题：单选题不能设置 min"),
        ({"questions": [{**QUESTIONS[2], "options": ["a", "b"]}]}, "第1题：评分题不能设置 options"),
        ({"questions": [{**QUESTIONS[0], "colour": "red"}]}, "第1题：不支持的字段：colour"),
        ({"questions": [{**QUESTIONS[0], "text": "  "}]}, "第1题：题目不能为空"),
        ({"questions": [{**QUESTIONS[0], "options": ["好", ""]}]}, "第1题：第2个选项不能为空"),
        ({"questions": [{**QUESTIONS[3], "required": "yes"}]}, "第1题：是否必答"),
        ({"questions": ["单选题"]}, "第1题：须为对象"),
        ({"questions": [{**QUESTIONS[0], "text": "题" * 201}]}, "第1题：题目过长"),
        ({"title": "标题\u0007"}, "控制字符"),
        ({"title": ""}, "标题（title）不能为空"),
        ({"closes_at": later(-1)}, "截止时间须晚于现在"),
        ({"closes_at": "2030-13-01 18:00"}, "不是有效的日期时间"),
        ({"closes_at": "２０３０-03-15 18:00"}, "格式须为"),
        ({"opens_at": later(-0.1)}, "开始时间不能早于现在"),
        ({"opens_at": later(11)}, "截止时间须晚于开始时间"),
        ({"closes_at": later(400)}, "最长 366 天"),
        ({"questions": "单选"}, "题目（questions） 须为数组"),
        ({"extra": 1}, "不支持的字段"),
        # invisible-only, bidi overrides and look-alike options (review 16)
        ({"title": "\u200b\u200b"}, "标题（title）含有不可见的控制字符"),
        ({"title": "\u200d\u3000\u200d"}, "标题（title）不能只有空白或不可见字符"),
        ({"title": "学习\u202e调查"}, "文字方向控制符"),
        ({"intro": "\ufeff"}, "说明（intro）含有不可见的控制字符"),
        ({"questions": [{**QUESTIONS[0], "text": "评价\u2066"}]}, "第1题：题目含有不可见"),
        ({"questions": [{**QUESTIONS[0], "options": ["\u200b", "好"]}]}, "第1题：第1个选项含有"),
        ({"questions": [{**QUESTIONS[0], "options": ["Ａ", "A"]}]}, "第1题：选项不能重复"),
        ({"questions": [{**QUESTIONS[0], "options": ["１号", "1号"]}]}, "第1题：选项不能重复"),
    ],
)
def test_bad_questionnaires_refused(stack, org, change, message):
    r = call(stack, "POST", "/surveys", org["sec1"], json=survey_body("B1", **change))
    assert r.status_code == 400, r.text
    assert message in r.json()["Message"]
    assert list(Survey.scan(consistent_read=True)) == []


def test_emoji_allowed_in_questionnaire(stack, org):
    q = [{"kind": "single", "text": "喜欢的活动🎉", "options": ["登山⛰️", "读书📚"]}]
    r = call(stack, "POST", "/surveys", org["sec1"], json=survey_body("B1", questions=q))
    assert r.status_code == 201 and r.json()["questions"][0]["options"][0]["text"] == "登山⛰️"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"q1": "o9"}, "第1题：所选选项不存在"),
        ({"q1": ["o1"]}, "第1题：所选选项不存在"),
        ({"q1": ...}, "第1题：此题为必答题"),
        ({"q2": ["o1", "o2", "o3"]}, "第2题：须选择 1 到 2 项"),
        ({"q2": ["o1", "o1"]}, "第2题：同一选项不能重复选择"),
        ({"q2": "o1"}, "第2题：多选题的回答须为选项编号的数组"),
        ({"q2": []}, "第2题：此题为必答题"),
        ({"q3": 0}, "第3题：评分须为 1 到 5"),
        ({"q3": 6}, "第3题：评分须为 1 到 5"),
        ({"q3": True}, "第3题：评分须为 1 到 5"),
        ({"q3": 4.5}, "第3题：评分须为 1 到 5"),
        ({"q4": "字" * 201}, "第4题：回答过长"),
        ({"q4": "好\u0000"}, "第4题：回答含有不可见的控制字符"),
        ({"q4": 5}, "第4题：回答须为文字"),
        ({"q4": "\u200b\u200b"}, "第4题：回答含有不可见的控制字符"),
        ({"q4": "\u200d"}, "第4题：回答不能只有空白或不可见字符"),
        ({"q4": "同意\u202e见意"}, "第4题：回答含有不可见的控制字符（如零宽字符、文字方向控制符）"),
        ({"q9": "o1"}, "问卷里没有的题目：q9"),
    ],
)
def test_bad_answers_refused(stack, org, change, message):
    sid = published(stack, org["sec1"], "B1")
    r = answer(stack, org["b1_1"], sid, **change)
    assert r.status_code == 400, r.text
    assert message in r.json()["Message"]
    assert SurveyAnswer.count(sid, consistent_read=True) == 0
    # and she can still answer properly
    assert answer(stack, org["b1_1"], sid).status_code == 201


def test_draft_edit_and_optional_text(stack, org):
    r = call(stack, "POST", "/surveys", org["sec1"], json=survey_body("B1"))
    sid = r.json()["id"]
    edit = {
        "title": "修改后的标题",
        "questions": [QUESTIONS[0], QUESTIONS[3]],
        "closes_at": later(5),
    }
    r = call(stack, "PUT", f"/surveys/{sid}", org["sec1"], json=edit)
    assert r.status_code == 200 and r.json()["title"] == "修改后的标题"
    assert r.json()["intro"] is None and len(r.json()["questions"]) == 2
    bad = {**edit, "questions": [{**QUESTIONS[0], "options": ["是", "是"]}]}
    r = call(stack, "PUT", f"/surveys/{sid}", org["sec1"], json=bad)
    assert r.status_code == 400 and "第1题：选项不能重复" in r.json()["Message"]
    assert Survey.get(sid).title == "修改后的标题"
    call(stack, "POST", f"/surveys/{sid}/publish", org["sec1"])
    r = call(stack, "POST", f"/surveys/{sid}/answers", org["b1_1"], json={"answers": {"q1": "o2"}})
    assert r.status_code == 201, r.text
    data = results(stack, org["sec1"], sid)
    assert data["overall"] is None and data["respondents"] == 1


def test_parallel_publish_and_close_each_happen_once(stack, org):
    sid = call(stack, "POST", "/surveys", org["sec1"], json=survey_body("B1")).json()["id"]
    path = f"/surveys/{sid}/publish"
    with ThreadPoolExecutor(6) as pool:
        codes = sorted(
            pool.map(lambda _: call(stack, "POST", path, org["sec1"]).status_code, range(6))
        )
    assert codes == [200] + [409] * 5
    path = f"/surveys/{sid}/close"
    with ThreadPoolExecutor(6) as pool:
        codes = sorted(
            pool.map(lambda _: call(stack, "POST", path, org["sec1"]).status_code, range(6))
        )
    assert codes == [200] + [409] * 5
    assert Survey.get(sid).state == "closed"


def test_bodies_of_the_wrong_shape_or_size_refused(stack, org):
    sid = published(stack, org["sec1"], "B1")
    path = f"/surveys/{sid}/answers"
    for body, status in (
        ({"answers": ["o1"]}, 400),
        ({"answers": {"q1": "o1"}, "member_no": org["b1_2"].member_no}, 400),
        ({}, 400),
        ({"answers": {"q4": "字" * 30_000}}, 413),
    ):
        r = call(stack, "POST", path, org["b1_1"], json=body)
        assert r.status_code == status, r.text
    r = call(
        stack,
        "POST",
        path,
        org["b1_1"],
        data=b"not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert SurveyAnswer.count(sid, consistent_read=True) == 0
    # results: the same 404 for staff of another branch as for an unknown survey
    assert call(stack, "GET", f"/surveys/{sid}/results", org["sec3"]).status_code == 404
    assert call(stack, "GET", f"/surveys/sv_{'1' * 24}/results", org["sec1"]).status_code == 404
    assert call(stack, "GET", "/surveys/..%2f/results", org["sec1"]).status_code == 404
    r = call(stack, "GET", f"/surveys/{sid}/results?format=pdf", org["sec1"])
    assert r.status_code == 400


def test_workbook_keeps_a_formula_like_answer_as_text(stack, org):
    sid = published(stack, org["sec1"], "B1")
    for n, text in enumerate(('=HYPERLINK("http://x","点我")', "+1+1", "普通意见")):
        assert answer(stack, org[f"b1_{n + 1}"], sid, q4=text).status_code == 201
    r = call(
        stack,
        "GET",
        f"/surveys/{sid}/results?format=xlsx",
        org["read1"],
        headers={"Accept": XLSX},
    )
    assert r.status_code == 200
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.content))["汇总"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://x","点我")'].data_type == "s"
    assert cells["+1+1"].data_type == "s"
    assert "分组" not in load_workbook(io.BytesIO(r.content)).sheetnames  # a branch: no groups
