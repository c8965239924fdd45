"""Pelican settings for development builds (`pelican content -s pelicanconf.py`).

publishconf.py imports everything from here and overrides what production needs.
"""

import logging

from chalicelib import message_kinds as _message_kinds
from chalicelib import points_rules as _points_rules

SITENAME = "智慧党建"
SITE_TAGLINE = "不忘初心 · 牢记使命"
# The meta description of a page whose template says nothing more specific (the home page's).
SITE_DESCRIPTION = "智慧党建：党员在微信里学习理论文章、参加答题考试、查看学习积分和支部排名。"
SITEURL = ""  # root-relative links: the site and /api/ share one origin
RELATIVE_URLS = False

PATH = "content"
OUTPUT_PATH = "output/"
THEME = "theme"
# Our plugins by dotted name (plugins/ is a package of this project, installed editable by
# infra/setup.sh): one module each, whether Pelican or a test imports it.
PLUGINS = [
    "plugins.markdown_cache",  # Markdown read once per text (the incremental build)
    "plugins.same_output",  # a page whose bytes did not change is not written again
    "plugins.site_sections",
    "plugins.series",
    "plugins.reading_time",
    "plugins.listings",
    "plugins.covers",  # Cover: images of list items, resized (Pillow) and content-hashed
    "plugins.static_hash",  # images and other {static} files published under content-hashed names
    "plugins.campaigns",  # after listings: voting rules of campaign articles, campaigns.json
    "plugins.qr_links",
    "plugins.content_check",
    "plugins.quiz_check",  # content/quizzes/: banks and quizzes checked; never copied to output/
    "plugins.search_index",
    "plugins.echarts_bundle",  # the console's ECharts build, before asset_hash publishes it
    "plugins.asset_hash",
    "plugins.icons",  # the icon sprite: icon names checked, hashed URL (after asset_hash)
    "plugins.catalog",
    "plugins.review_gate",  # last: its content_object_init sees what the others set, then gates
]

# The org units articles may name in `Branch:` (author unit, decides the reviewers) and `Unit:`:
# the registry's own unit file (import it with `make import-units FILE=content/units.csv`).
UNITS_FILE = "content/units.csv"

# The site's screens: the only pages allowed in content/pages/ (reviewed with the code, not on
# 待审核). Any other page stops the build (plugins/review_gate), so member-facing text goes
# through review as an article.
SCREENS = (
    "about",
    "activate",
    "birthday",
    "boards",
    "branch-home",
    "bulletins",
    "checkin",
    "console",
    "console-assessment",
    "console-inspection",
    "console-lessons",  # 微党课学习 (issue 19)
    "console-media",  # 上传音视频 (issue 19)
    "console-member",
    "console-registry",
    "console-report",
    "dues",
    "dues-desk",
    "directory",
    "learn",
    "login",
    "me",
    "meeting-book",
    "meeting-code",
    "meeting-desk",
    "meeting-plan",
    "meeting-record",
    "meetings",
    "messages",
    "moderation",
    "my-dangjian",
    "my-data",
    "quiz",
    "quiz-play",
    "recruitment",
    "red-energy",
    "red-energy-desk",
    "report",
    "requests",
    "requests-desk",
    "review",
    "search",
    "surveys",
    "surveys-desk",
    "transfer-letter",
    "transfers",
    "volunteer-desk",
    "volunteering",
)

# The review gate (plugins/review_gate): where approvals come from. "dynamodb" reads the approved
# versions from the tables (make dev has them running); "file" reads REVIEW_APPROVALS_FILE (tests);
# "off" previews every draft with a 未审核预览 banner (`make preview`; never published).
REVIEW_GATE = "dynamodb"
REVIEW_APPROVALS_FILE = None

# Daily series (plugins/series): installment N (`Series: constitution`, `Day: N`) becomes public
# on start + N − 1 at `hour` o'clock, Asia/Shanghai; a daily rebuild publishes it.
SERIES = {
    "constitution": {
        "title": "党章百日学",
        "category": "党章百日学",
        "start": "2026-11-16",
        "hour": 0,  # the daily rebuild runs just after midnight (README: Deploying)
    },
}

TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

# The quiz hub's line icon per quiz kind (theme/static/icons.svg), for the build and quiz_hub.js.
QUIZ_KIND_ICONS = {
    "daily": "calendar",
    "challenge": "target",
    "exam": "pencil",
    "survey": "clipboard",
}

# The site's structure, defined once: templates draw the home grids from it and
# plugins/site_sections checks every article's `Category:` against it and gives each
# section its ASCII slug (Pelican would otherwise turn 思想建设 into pinyin).
# `icon` names the section's line icon in theme/static/icons.svg (home grid, 学习).
MODULES = [
    {
        "name": "微党建",
        "slug": "weidangjian",
        "sections": [
            {"name": "思想建设", "slug": "sixiang", "icon": "bulb", "intro": "理论学习，凝心铸魂"},
            {"name": "组织建设", "slug": "zuzhi", "icon": "team", "intro": "夯实基层，建强支部"},
            {
                "name": "作风建设",
                "slug": "zuofeng",
                "icon": "target",
                "intro": "转变作风，务实为民",
            },
            {
                "name": "反腐倡廉建设",
                "slug": "fanfu",
                "icon": "shield",
                "intro": "警钟长鸣，清正廉洁",
            },
            {
                "name": "制度建设",
                "slug": "zhidu",
                "icon": "clipboard",
                "intro": "用制度管权管事管人",
            },
        ],
    },
    {
        "name": "微课堂",
        "slug": "weiketang",
        "sections": [
            {"name": "党纪党规", "slug": "dangji", "icon": "scale", "intro": "学纪知纪，明纪守纪"},
            {"name": "系列讲话", "slug": "jianghua", "icon": "mic", "intro": "重要讲话精神学习"},
            {"name": "道德讲堂", "slug": "daode", "icon": "heart", "intro": "身边好人，向上向善"},
            {"name": "党微矩阵", "slug": "juzhen", "icon": "link", "intro": "精选党建网站与公众号"},
            {"name": "微发布", "slug": "fabu", "icon": "megaphone", "intro": "通知公告与工作动态"},
        ],
    },
    {
        "name": "微社区",
        "slug": "weishequ",
        "sections": [
            {"name": "先进风采", "slug": "xianjin", "icon": "star", "intro": "学习身边的先进典型"},
            {"name": "支部家园", "slug": "zhibu", "icon": "flag", "intro": "支部活动与风采展示"},
            {
                "name": "党章百日学",
                "slug": "dangzhang",
                "icon": "calendar",
                "intro": "每天一篇，百日学完党章",
            },
        ],
    },
]

# Clean URLs. Articles carry an ASCII `Slug:`; pages are saved at the root (/login.html).
ARTICLE_URL = "articles/{slug}.html"
ARTICLE_SAVE_AS = ARTICLE_URL
ARTICLE_LANG_URL = "articles/{slug}-{lang}.html"
ARTICLE_LANG_SAVE_AS = ARTICLE_LANG_URL
PAGE_URL = "{slug}.html"
PAGE_SAVE_AS = PAGE_URL
PAGE_LANG_URL = "{slug}-{lang}.html"
PAGE_LANG_SAVE_AS = PAGE_LANG_URL
CATEGORY_URL = "category/{slug}.html"
CATEGORY_SAVE_AS = CATEGORY_URL
USE_FOLDER_AS_CATEGORY = False  # the category comes from `Category:` only

# Nothing unpublished may reach output/: future-dated articles become drafts,
# and drafts are not written at all.
WITH_FUTURE_DATES = False
DRAFT_URL = ""
DRAFT_SAVE_AS = ""
DRAFT_LANG_URL = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_URL = ""
DRAFT_PAGE_SAVE_AS = ""
DRAFT_PAGE_LANG_URL = ""
DRAFT_PAGE_LANG_SAVE_AS = ""

# Pages we do not use.
DIRECT_TEMPLATES = ["index", "404"]  # 404.html: the page for unknown addresses
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""

# Site pages the templates link to: search box, the 待审核 page for reviewers.
SEARCH_URL = "search.html"
REVIEW_URL = "review.html"

# Only section lists are paginated (the home shows the latest few itself).
# Page 2+ goes into a folder named after the list, so no two lists can collide
# (Pelican's default puts `sixiang2.html` next to a possible `sixiang2` section).
DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"category": None}
PAGINATION_PATTERNS = [
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}.html", "{base_name}/page/{number}.html"),
]

# No feeds: members read inside WeChat.
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# Theme CSS/JS are published by plugins/asset_hash under content-hashed names;
# nothing else in theme/static needs copying as is.
THEME_STATIC_DIR = "theme"
THEME_STATIC_PATHS: list[str] = []
STATIC_PATHS: list[str] = []

# Question banks hold answers: read only by plugins/quiz_check and tools/publish_quizzes, never
# an article, page or static file of the site.
QUIZ_PATH = "quizzes"
ARTICLE_EXCLUDES = [QUIZ_PATH]  # Pelican adds PAGE_PATHS itself
PAGE_EXCLUDES = [QUIZ_PATH]

# Incremental dev builds; hash contents because CI checkouts lose mtimes.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
CHECK_MODIFIED_METHOD = "md5"

# Docutils has no Chinese localization; we write Markdown, not reStructuredText.
LOG_FILTER = [(logging.WARNING, "Docutils has no localization for '%s'. Using 'en' instead.")]

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.sane_lists": {},
    },
    "output_format": "html5",
}

# 我的党建 draws a row for each points rule and activity before the member's figures arrive (the
# panels keep their height when they fill in): the same table as the API's.
JINJA_GLOBALS = {
    "POINTS_RULES": [_points_rules.describe(r) for r in _points_rules.RULES.values()],
    "ACTIVITY_LABELS": list(_points_rules.ACTIVITY_LABELS.values()),
    # 消息设置 draws a row for each kind of message (the API's table) before her choices arrive.
    "MESSAGE_KINDS": [
        {"kind": name, "label": k.label, "mutable": k.mutable}
        for name, k in _message_kinds.KINDS.items()
    ],
    "MESSAGE_IMMUTABLE_WHY": _message_kinds.IMMUTABLE_WHY,
}

# Sharing inside WeChat / 企业微信 (theme/templates/_share.html, theme/static/js/share.js).
# SITE_ORIGIN makes og:url and og:image absolute (https://dangjian.example.org; publishconf.py
# reads it from the environment); empty, they are root-relative and share.js resolves them
# against the page. WX_JSSDK_URL: WeChat's JS-SDK, loaded by share.js from WeChat's CDN only
# inside WeChat (its origin is in the CSP's script-src, infra/stack.yaml). SHARE_IMAGE: the
# site's share picture in theme/static (plugins/covers publishes it), 300×300 px.
SITE_ORIGIN = ""
WX_JSSDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
SHARE_IMAGE = "images/share.png"

# --- 微党课 (issue 19): video and audio lessons, plugins/lessons ------------------------------
# A lesson is an article of Category 微党课 (content/lessons/): a section of 微课堂, checked and
# given its page by plugins/lessons (after static_hash: it needs the poster's and subtitles'
# published names; before search_index and catalog: they read the transcript and the media).
next(m for m in MODULES if m["slug"] == "weiketang")["sections"].append(
    {"name": "微党课", "slug": "weidangke", "icon": "play", "intro": "视频音频党课，随时点播学习"}
)
PLUGINS.insert(PLUGINS.index("plugins.static_hash") + 1, "plugins.lessons")

# --- 微党课 upload page (issue 19, helper "upload"): console-media.html ------------------------
# The page refuses up front what the API would (wrong extension for the kind, over the kind's
# size): the kinds and their limits come from lesson_rules, the one definition, never copied.
from chalicelib import lesson_rules as _lesson_rules  # noqa: E402

JINJA_GLOBALS["MEDIA_KINDS"] = [
    {
        "key": k.key,
        "label": k.label,
        "ext": k.ext,
        "content_type": k.content_type,
        "max_bytes": k.max_bytes,
        "max_mb": k.max_bytes // _lesson_rules.MB,
    }
    for k in _lesson_rules.MEDIA_KINDS.values()
]
JINJA_GLOBALS["MEDIA_MAX_HOURS"] = _lesson_rules.MAX_DURATION_SECONDS // 3600
