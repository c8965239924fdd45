"""`make package STAGE=...`: the merged CloudFormation template and the Lambda deployment zip.

Writes `.cache/package/<stage>/` (git-ignored): `merge.json` (infra/template.py), then Chalice's
`sam.json` (functions, API, schedules, roles, merged with ours) and `deployment.zip`. Chalice keeps
the pip-installed dependencies in `functions/.chalice/deployments/` (git-ignored) keyed by the
requirements, so only the first run downloads anything.

    python infra/package.py STAGE [--region REGION]
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infra import policy, template

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"

DEFAULT_REGION = "ap-east-1"
# Lambda's limits for a zip uploaded through S3: 250 MB unzipped; 50 MB zipped for direct upload.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024


@dataclass
class Package:
    directory: Path
    template: dict
    zipped_bytes: int
    unzipped_bytes: int

    @property
    def template_path(self) -> Path:
        return self.directory / "sam.json"

    @property
    def zip_path(self) -> Path:
        return self.directory / "deployment.zip"

    def report(self) -> str:
        mib = 1024 * 1024
        types: dict[str, int] = {}
        for resource in self.template["Resources"].values():
            types[resource["Type"]] = types.get(resource["Type"], 0) + 1
        lines = [
            f"deployment.zip: {self.zipped_bytes / mib:.1f} MiB zipped "
            f"(limit {MAX_ZIPPED // mib}), {self.unzipped_bytes / mib:.1f} MiB unzipped "
            f"(limit {MAX_UNZIPPED // mib})",
            f"template: {len(self.template['Resources'])} resources",
        ]
        lines += [f"  {n} x {t}" for t, n in sorted(types.items())]
        return "\n".join(lines)

    def check_limits(self) -> None:
        if self.zipped_bytes > MAX_ZIPPED or self.unzipped_bytes > MAX_UNZIPPED:
            raise SystemExit(
                "the deployment package exceeds Lambda's size limits:\n" + self.report()
            )


@contextmanager
def _project_lock(project: Path) -> Iterator[None]:
    """One `chalice package` per project at a time: Chalice writes its dependency cache in
    `.chalice/deployments/` in place, so a second run could reuse a half-written zip (parallel
    tests, two terminals)."""
    lock = project / ".chalice" / "deployments" / ".package.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def add_bytecode(zip_path: Path) -> int:
    """Add compiled bytecode for every module in the zip (Python 3.11, like the Lambda runtime).

    Lambda's code directory is read-only, so Python cannot cache what it compiles: without .pyc
    files every cold start compiles our modules and the libraries' again (tens of ms of CPU).
    `unchecked-hash` pycs are used as they are, whatever the files' times in the zip."""
    if sys.version_info[:2] != (3, 11):
        raise SystemExit("package with Python 3.11 (the functions' runtime)")
    added = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(root)
        compileall.compile_dir(
            root,
            quiet=2,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            workers=1,
        )
        with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as archive:
            names = set(archive.namelist())
            for pyc in sorted(root.rglob("*.pyc")):
                name = pyc.relative_to(root).as_posix()
                if name not in names:
                    archive.write(pyc, name)
                    added += 1
    return added


def package(
    stage: str, region: str = DEFAULT_REGION, out: Path | None = None, project: Path = FUNCTIONS
) -> Package:
    """Build the template and zip for `stage`; `region` decides the partition's principals.

    `project` is the Chalice project (tests package a copy with an extra function)."""
    out = out or ROOT / ".cache" / "package" / stage
    out.mkdir(parents=True, exist_ok=True)
    merge = template.write(stage, out / "merge.json")
    policy.write(stage, project / ".chalice")  # the IAM policies, from infra/access.py
    for name in ("sam.json", "deployment.zip"):
        (out / name).unlink(missing_ok=True)
    chalice = Path(sys.executable).parent / "chalice"
    # Chalice refuses to write into an existing directory, so it packages into a fresh one.
    target = out / "chalice"
    subprocess.run(["rm", "-rf", str(target)], check=True)
    with _project_lock(project):
        subprocess.run(
            [
                str(chalice),
                "package",
                "--stage",
                stage,
                "--merge-template",
                str(merge),
                str(target),
            ],
            cwd=project,
            check=True,
            env={**os.environ, "AWS_DEFAULT_REGION": region},
        )
    for name in ("sam.json", "deployment.zip"):
        (target / name).rename(out / name)
    target.rmdir()
    add_bytecode(out / "deployment.zip")
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    return Package(
        directory=out,
        template=json.loads((out / "sam.json").read_text()),
        zipped_bytes=(out / "deployment.zip").stat().st_size,
        unzipped_bytes=unzipped,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or DEFAULT_REGION)
    args = parser.parse_args()
    built = package(args.stage, args.region)
    print(built.report())
    built.check_limits()
    print(f"written to {built.directory.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
