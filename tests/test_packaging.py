"""The wheel installs everything under `newsbot`, beside another distribution's top-level `bot`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

OTHER = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "someone-elses-bot"
version = "1.0"

[tool.setuptools]
packages = ["bot"]
"""


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], check=True, capture_output=True, timeout=300)


def test_the_wheel_holds_only_newsbot_and_installs_beside_another_bot(tmp_path: Path) -> None:
    pip("wheel", "--no-deps", "--wheel-dir", str(tmp_path / "wheels"), str(ROOT))
    (wheel,) = (tmp_path / "wheels").glob("newsbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"newsbot", wheel.name.split("-")[0] + "-0.1.0.dist-info"}
    assert "newsbot/retrieval/migrations/0001_initial.sql" in names and "newsbot/bot/cli.py" in names

    other = tmp_path / "other"
    (other / "bot").mkdir(parents=True)
    (other / "pyproject.toml").write_text(OTHER, encoding="utf-8")
    (other / "bot" / "__init__.py").write_text('WHOSE = "someone else"\n', encoding="utf-8")
    target = tmp_path / "site"
    pip("install", "--no-deps", "--target", str(target), str(other))
    pip("install", "--no-deps", "--target", str(target), str(wheel))

    # Both import from the same folder; no site-packages (-S): newsbot's dependencies are not needed for this.
    check = "import bot, newsbot.bot; print(bot.WHOSE, newsbot.bot.__file__)"
    done = subprocess.run(
        [sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {check}"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.stdout.startswith("someone else ")  # their bot/__init__.py is untouched
    assert done.stdout.split()[-1] == str(target / "newsbot" / "bot" / "__init__.py")
    assert (target / "newsbot" / "retrieval" / "migrations" / "0001_initial.sql").is_file()
