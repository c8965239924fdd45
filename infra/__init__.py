"""Local stack and AWS deployment: `python -m infra.dev`, `python -m infra.package STAGE`, ..."""
