"""The Chalice app: wires the blueprints; the logic lives in `chalicelib/`."""

from chalice import Chalice

from chalicelib import api_auth, api_me, web

app = Chalice(app_name="dangjian")
app.register_middleware(web.error_middleware, "http")
app.register_blueprint(api_auth.bp)
app.register_blueprint(api_me.bp)
