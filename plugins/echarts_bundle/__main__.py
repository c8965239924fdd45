"""`python -m plugins.echarts_bundle [THEME]`: build the console's ECharts bundle if it is not
current and print its size (raw and gzip)."""

from __future__ import annotations

import gzip
import sys

from plugins.echarts_bundle import ROOT, BundleError, ensure


def main(argv: list[str]) -> int:
    try:
        path = ensure(argv[0] if argv else ROOT / "theme")
    except BundleError as error:
        print(f"ECharts 构建失败：{error}", file=sys.stderr)
        return 1
    data = path.read_bytes()
    print(f"{path}: {len(data):,} bytes, {len(gzip.compress(data, 9)):,} gzip")
    return 0


sys.exit(main(sys.argv[1:]))
