"""The Chalice app: wires the blueprints; the logic lives in `chalicelib/`."""

from chalice import Chalice

from chalicelib import (
    api_assessment,
    api_auth,
    api_birthday,
    api_branch_posts,
    api_checkin,
    api_comments,
    api_console,
    api_directory,
    api_dues,
    api_dues_assessment,
    api_inbox,
    api_inspection,
    api_lessons,
    api_me,
    api_media,
    api_meeting_book,
    api_meeting_plans,
    api_meeting_records,
    api_meetings,
    api_oauth,
    api_personal_data,
    api_points,
    api_quizzes,
    api_reading,
    api_recruitment,
    api_red_energy,
    api_registry_members,
    api_registry_units,
    api_review,
    api_service_requests,
    api_share,
    api_surveys,
    api_transfers,
    api_volunteering,
    api_votes,
    observe,
    schedules,
    streams,
    web,
)

app = Chalice(app_name="dangjian")
# The 记录本 workbook is a binary body (api_meeting_book.py says how it reaches the browser).
app.api.binary_types.append(api_meeting_book.XLSX)
# Logs as JSON lines, and the request line with its metrics (observe.py); registered first, so
# it sees what the client gets, the error middleware's answers included.
observe.configure(app)
app.register_middleware(observe.http_middleware, "http")
app.register_middleware(web.error_middleware, "http")
app.register_middleware(observe.event_middleware, "scheduled")
app.register_middleware(observe.event_middleware, "dynamodb")
app.register_blueprint(api_auth.bp)
app.register_blueprint(api_me.bp)
app.register_blueprint(api_inbox.bp)
app.register_blueprint(api_meetings.bp)
app.register_blueprint(api_reading.bp)
app.register_blueprint(api_points.bp)
app.register_blueprint(api_review.bp)
app.register_blueprint(api_comments.bp)
app.register_blueprint(api_votes.bp)
app.register_blueprint(api_meeting_book.bp)
app.register_blueprint(api_quizzes.bp)
app.register_blueprint(api_share.bp)
app.register_blueprint(api_meeting_plans.bp)
app.register_blueprint(api_oauth.bp)
app.register_blueprint(api_checkin.bp)
app.register_blueprint(api_meeting_records.bp)
app.register_blueprint(api_dues_assessment.bp)
app.register_blueprint(api_recruitment.bp)
app.register_blueprint(api_transfers.bp)
app.register_blueprint(api_dues.bp)
app.register_blueprint(api_birthday.bp)
app.register_blueprint(api_directory.bp)
app.register_blueprint(api_volunteering.bp)
app.register_blueprint(api_surveys.bp)
app.register_blueprint(api_red_energy.bp)
app.register_blueprint(api_branch_posts.bp)
app.register_blueprint(api_service_requests.bp)
app.register_blueprint(api_registry_members.bp)
app.register_blueprint(api_registry_units.bp)
app.register_blueprint(api_inspection.bp)
app.register_blueprint(api_console.bp)
app.register_blueprint(api_assessment.bp)
app.register_blueprint(api_personal_data.bp)
app.register_blueprint(schedules.bp)
app.register_blueprint(streams.bp)
# 微党课 (issue 19): the member's own lesson progress (the heartbeat is api_reading's).
app.register_blueprint(api_lessons.bp)
# 微党课 media uploads (chalicelib/media_uploads.py).
app.register_blueprint(api_media.bp)
