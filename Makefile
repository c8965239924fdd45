# One command each: set up and run everything locally, run every test, build, bench.
SHELL := /bin/bash
PY := .venv/bin/python
REGION ?= ap-east-1
# Commands that touch tables: make dev's by default, a stage's in AWS with STAGE=dev|prod.
WITH_ENV = -m infra.with_env $(if $(STAGE),--stage $(STAGE) --region $(REGION))

.PHONY: setup dev test lint format build import-units import-members data-quality demo-activity reminders meeting-kinds bench clean \
	dues-rules dues-import dues-recalculate import-dues-payments recruitment-stages directory \
	review preview series assessment-rules \
	package deploy publish cost stage-required

setup:
	@infra/setup.sh

## Everything locally with demo data: DynamoDB Local + API + site on one origin. Ctrl-C stops it.
dev: setup
	@$(PY) -m infra.dev

## The whole suite: lint, unit, integration (HTTP against chalice local + DynamoDB Local), end-to-end.
test:
	@infra/setup.sh --browser
	@$(MAKE) --no-print-directory lint
	@$(PY) -m pytest -n 2 --dist loadfile tests

## Python style, and the theme's JS and CSS against package.json's browserslist (README: Supported browsers).
lint:
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .
	@node_modules/.bin/eslint theme/static/js
	@node_modules/.bin/stylelint 'theme/static/css/**/*.css'

format:
	@$(PY) -m ruff format . && $(PY) -m ruff check --fix .

## The static site with production settings into output/. The review gate reads approvals from the
## tables the environment points at (DYNAMODB_HOST/TABLE_PREFIX, or AWS): only approved text is built.
build: setup
	@$(PY) -m pelican content -s publishconf.py -o output

## Editors: register new or changed articles as pending review (make dev must be running).
review: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.review register $(ARGS)

## Editors: preview every draft, reviewed or not, into preview/ (banner 未审核预览; never publish it).
preview: setup
	@$(PY) -m pelican content -s pelicanconf.py -o preview -D -e 'REVIEW_GATE="off"'

## 党章百日学: split a constitution text into daily installments. SOURCE=path.txt BRANCH=C01
series: setup
	@$(PY) -m tools.constitution_series $(SOURCE) --branch $(BRANCH) --out content/dangzhang $(ARGS)

## Registry imports against the local tables (make dev must be running): FILE=path.csv|xlsx
import-units: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.import_units $(FILE) $(ARGS)

import-members: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.import_members $(FILE) $(ARGS)

## 党费 payments from a finance/bank export: FILE=path.csv|xlsx (流水号,党员编号,姓名,金额,交费日期)
import-dues-payments: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.import_dues_payments $(FILE) $(ARGS)

data-quality: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.data_quality $(ARGS)

## Reminders (functions/chalicelib/reminders.toml): ARGS="check" | "list" | "run KEY [--dry-run]"
## | "due" | "reindex", against make dev's tables (or a stage's with STAGE=dev|prod).
reminders: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.reminders $(ARGS)

## The kinds of meeting and their rules (functions/chalicelib/meeting_kinds.toml), checked as the
## functions load them, with the 主题党日 warning's day against reminders.toml. ARGS=other.toml
meeting-kinds: setup
	@$(PY) -m tools.meeting_kinds $(ARGS)

## 党费核定 (README: Member affairs). The brackets of the 2008 regulation
## (functions/chalicelib/dues_rules.toml), checked and printed as members read them: ARGS=other.toml
dues-rules: setup
	@$(PY) -m tools.dues_rules $(ARGS)

## The finance spreadsheet of bases into make dev's tables (or a stage's with STAGE=dev|prod):
## FILE=path.csv|xlsx ARGS="--dry-run" | "--correct --note 原因"
dues-import: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.import_dues_base $(FILE) $(ARGS)

## Every member's latest base assessed again (each January, or after the rules change):
## ARGS="--from 2027-01 [--reason rules_change] [--dry-run]"
dues-recalculate: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.dues_recalculate $(ARGS)

## 考核评价's rules (functions/chalicelib/assessment_rules.toml): the member score's items, the
## branch score's weights, the 红黑榜, checked as the functions load them. ARGS=other.toml
assessment-rules: setup
	@$(PY) -m tools.assessment_rules $(ARGS)

## The stages and steps of 党员发展 with their time limits (functions/chalicelib/
## recruitment_stages.toml), checked as the functions load them. ARGS=other.toml
recruitment-stages: setup
	@$(PY) -m tools.recruitment_stages $(ARGS)

## 通讯录 and 政治生日: ARGS=check (directory.toml, birthday.toml; no tables needed) | rebuild
## (the name index) against make dev's tables (or a stage's with STAGE=dev|prod).
directory: setup
	@if [ "$(ARGS)" = "check" ]; then $(PY) -m tools.directory_index check; \
	else $(PY) $(WITH_ENV) $(PY) -m tools.directory_index $(ARGS); fi

## The demo history's missing days (the last 60 up to yesterday) into a running make dev.
demo-activity: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.demo_activity $(ARGS)

bench:
	@infra/setup.sh --browser
	@$(PY) -m tools.bench

## AWS (README: Deploying). STAGE=dev|prod; REGION defaults to ap-east-1; deploy needs
## ARTIFACT_BUCKET (an S3 bucket for code and templates) and AWS credentials.

stage-required:
	@[ "$(STAGE)" = dev ] || [ "$(STAGE)" = prod ] || { echo "STAGE=dev 或 STAGE=prod" >&2; exit 2; }

## The merged CloudFormation template and the Lambda zip into .cache/package/$(STAGE)/ (no AWS).
package: setup stage-required
	@$(PY) -m infra.package $(STAGE) --region $(REGION)

## Package, create or update the stack dangjian-$(STAGE), then build and publish the site.
deploy: setup stage-required
	@[ -n "$(ARTIFACT_BUCKET)" ] || { echo "ARTIFACT_BUCKET=<S3 bucket for code and templates>" >&2; exit 2; }
	@$(PY) -m infra.deploy $(STAGE) --region $(REGION) --artifacts $(ARTIFACT_BUCKET)
	@$(MAKE) --no-print-directory publish STAGE=$(STAGE) REGION=$(REGION)

## Rebuild the site from the stage's approvals, load its catalog (with the vote campaigns) and
## the quiz banks into the stage's tables (before the pages go up, so what a page offers is known
## when its first reader arrives), then sync output/ to the stage's bucket by checksum.
publish: setup stage-required
	@$(PY) $(WITH_ENV) $(PY) -m pelican content -s publishconf.py -o output
	@$(PY) -m infra.publish $(STAGE) --region $(REGION) --check
	@$(PY) $(WITH_ENV) $(PY) -m tools.publish_catalog output/catalog.json
	@$(PY) $(WITH_ENV) $(PY) -m tools.publish_quizzes
	@$(PY) -m infra.publish $(STAGE) --region $(REGION)

## Monthly cost per 1,000 active members from bench/results/latest.json (make bench first).
cost:
	@$(PY) -m tools.cost_estimate $(ARGS)

clean:
	rm -rf output cache .pytest_cache

## Backups (README: Operations → Backups and restore): rebuild a stage's tables into new ones,
## then switch the stage to them. ARGS="export s3://BUCKET/DAY [--dry-run]" |
## "point-in-time 2026-12-02T03:30:00+08:00|latest [--dry-run]" | "switch PREFIX [--dry-run]"
## with STAGE=dev|prod (and ARTIFACT_BUCKET for the switch); without STAGE, make dev's tables.
.PHONY: restore
restore: setup
	@$(PY) $(WITH_ENV) $(PY) -m tools.restore $(ARGS) $(if $(STAGE),--stage $(STAGE) --region $(REGION)) $(if $(ARTIFACT_BUCKET),--artifacts $(ARTIFACT_BUCKET))

.PHONY: erase-member
## Delete a departed (deactivated) member's personal data, as the 管理员's button does:
## NO=<her member number> BY=<the admin's member number>. Run again after a failure: it resumes.
erase-member: setup
	@[ -n "$(NO)" ] && [ -n "$(BY)" ] || { echo "NO=<member number> BY=<admin's member number>" >&2; exit 2; }
	@$(PY) $(WITH_ENV) $(PY) -m tools.erase_member $(NO) --by $(BY)

.PHONY: upload-media
## 微党课 (README: 微党课 media): check, upload and keep a lesson's video (H.264/AAC .mp4) or audio
## (AAC .m4a) as editor BY, and print the Markdown lines to paste. FILE=path BY=<member number>;
## make dev's storage by default, a stage's with STAGE=dev|prod.
upload-media: setup
	@[ -n "$(FILE)" ] && [ -n "$(BY)" ] || { echo "FILE=<.mp4 或 .m4a 文件> BY=<上传人的党员编号>" >&2; exit 2; }
	@$(PY) $(WITH_ENV) $(PY) -m tools.upload_media $(FILE) --by $(BY) $(if $(STAGE),--stage $(STAGE) --region $(REGION))
