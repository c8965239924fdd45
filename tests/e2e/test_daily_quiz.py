"""每日答题 in WeChat on a phone: from 学习 to the hub, five questions one at a time, a reload in
the middle resumes where she was (the server holds the attempt), submit, results with the right
answers and explanations, and the points on 我的党建."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib import quizzes
from chalicelib.models import Member, QuizAttempt
from chalicelib.quiz_grading import right_answer
from tools.fixtures import PASSWORD, make_member, make_tree
from tools.publish_quizzes import publish

pytestmark = pytest.mark.usefixtures("clean_tables")


def key_for(member_no: str, attempt_key: str) -> list[tuple[str, list]]:
    attempt = QuizAttempt.get(member_no, attempt_key, consistent_read=True)
    data = quizzes.questions([i["ref"] for i in attempt.items])
    out = []
    for i, item in enumerate(attempt.items):
        q = data[item["ref"]]
        out.append((q["type"], right_answer(q, quizzes.served_perm(attempt, i, q))))
    return out


def answer(phone: Page, qtype: str, right: list) -> None:
    if qtype == "fill":
        for n, text in enumerate(right):
            phone.locator(".quiz-blank").nth(n).fill(text)
    else:
        for position in right:
            phone.locator(".quiz-option").nth(position).click()


def _primary(phone: Page) -> list[str]:
    """The visible primary (filled) buttons of the question screen."""
    return phone.evaluate(
        """[...document.querySelectorAll('#quiz-prev, #quiz-next, #quiz-submit')]
        .filter((b) => !b.hidden && !b.classList.contains('btn-default'))
        .map((b) => b.textContent)"""
    )


def test_daily_quiz_on_a_phone(site, phone: Page):
    make_tree()
    member = make_member("74000001", "B1", name="王芳")
    member.update(actions=[Member.joined_on.remove()])  # no birthday points in the total
    publish()  # the repository's banks and quizzes into the test tables

    phone.goto(f"{site.url}/login.html?next=/learn.html")
    phone.fill("#member_no", "74000001")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/learn\.html"))
    phone.click("#learn-quiz")
    expect(phone).to_have_url(re.compile(r"/quiz\.html"))
    daily = phone.locator('.quiz-entry[data-quiz="daily"]')
    expect(daily).to_contain_text("去答题")
    daily.click()
    expect(phone.locator("#quiz-title")).to_have_text("每日答题")
    phone.click("#quiz-start")
    expect(phone.locator("#quiz-counter")).to_contain_text("第 1/5 题")

    (attempt,) = list(QuizAttempt.query("74000001"))
    key = key_for("74000001", attempt.attempt_key)
    assert _primary(phone) == ["下一题"]  # one primary action: 交卷 is secondary until the end
    for i in range(2):
        answer(phone, *key[i])
        phone.click("#quiz-next")
        expect(phone.locator("#quiz-counter")).to_contain_text(f"第 {i + 2}/5 题")
    # WeChat reloads the page: the server holds the attempt, she carries on at question 3.
    phone.reload()
    expect(phone.locator("#quiz-counter")).to_contain_text("第 3/5 题 · 已答 2 题")
    expect(phone.locator("#quiz-progress")).to_have_attribute("max", "5")
    for i in range(2, 5):
        answer(phone, *key[i])
        if i < 4:
            phone.click("#quiz-next")
            expect(phone.locator("#quiz-counter")).to_contain_text(f"第 {i + 2}/5 题")
    assert _primary(phone) == ["交卷"]  # the last question: 交卷 is the one primary action
    phone.click("#quiz-submit")
    expect(phone.locator("#quiz-score")).to_have_text("答对 5/5 题")
    expect(phone.locator("#quiz-score-sub")).to_contain_text("获得 5 积分")
    expect(phone.locator(".quiz-review-item")).to_have_count(5)
    expect(phone.locator(".quiz-explanation").first).to_contain_text("解析：")
    expect(phone.locator(".quiz-right-answer").first).to_contain_text("正确答案：")

    phone.goto(f"{site.url}/quiz.html")
    expect(phone.locator('.quiz-entry[data-quiz="daily"]')).to_contain_text("今日已完成 5/5")
    phone.goto(f"{site.url}/my-dangjian.html")
    expect(phone.locator('.rule-row[data-rule="daily_quiz"] .rule-value')).to_have_text("5/5")


def test_a_challenge_answer_takes_the_verdicts_colour(site, phone: Page):
    """挑战答题: her right choice turns the verdict's green (not the red of a selection), and no
    progress bar pretends the challenge has a length."""
    make_tree()
    make_member("74000002", "B1", name="李挑战")
    publish()
    phone.goto(f"{site.url}/login.html?next=/quiz.html")
    phone.fill("#member_no", "74000002")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/quiz\.html"))
    phone.locator('.quiz-entry[data-quiz="challenge"]').click()
    phone.click("#quiz-start")
    expect(phone.locator("#quiz-counter")).to_contain_text("第 1 题")
    expect(phone.locator("#quiz-progress")).to_be_hidden()
    # Questions are drawn at random: answer right until one with options to choose from.
    for i in range(10):
        (attempt,) = list(QuizAttempt.query("74000002", consistent_read=True))
        qtype, right = key_for("74000002", attempt.attempt_key)[i]
        answer(phone, qtype, right)
        phone.click("#quiz-next")  # 提交答案
        expect(phone.locator(".quiz-verdict")).to_have_text("回答正确")
        if qtype != "fill":
            break
        phone.click("#quiz-next")  # 下一题
        expect(phone.locator("#quiz-counter")).to_contain_text(f"第 {i + 2} 题")
    chosen = phone.locator(".quiz-option.is-right")
    expect(chosen).to_have_count(len(right))
    colours = phone.evaluate(
        """[getComputedStyle(document.querySelector('.quiz-option.is-right')).borderTopColor,
            getComputedStyle(document.querySelector('.quiz-feedback')).backgroundColor,
            getComputedStyle(document.querySelector('.quiz-option.is-right')).backgroundColor]"""
    )
    assert colours[0] == "rgb(7, 193, 96)" and colours[1] == colours[2]
