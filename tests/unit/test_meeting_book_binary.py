"""The workbook's way out: its media type is one of the API's binary types (so Chalice encodes
it for API Gateway and `chalice package` lists it as a binary media type), and openpyxl is not
imported at the API's cold start."""

from __future__ import annotations

import subprocess
import sys

from chalice.deploy.swagger import SwaggerGenerator

from app import app
from chalicelib import meeting_book


def test_xlsx_is_a_binary_type_of_the_api_and_its_swagger():
    assert meeting_book.XLSX in app.api.binary_types
    swagger = SwaggerGenerator(
        "cn-north-1", {"api_handler_arn": "arn:aws-cn:lambda:cn-north-1:1:function:api"}
    ).generate_swagger(app)
    assert meeting_book.XLSX in swagger["x-amazon-apigateway-binary-media-types"]


def test_the_api_starts_without_openpyxl():
    code = "import sys, app; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
