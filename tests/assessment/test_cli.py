"""`sitewatch assess --evidence FILE` recomputes from the file alone: no settings, no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "assessment" / "issue_example.json"
SITEWATCH = Path(sys.executable).with_name("sitewatch")


def run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG",
                                                             "DATABASE_URL")}
    return subprocess.run([str(SITEWATCH), "assess", *args], capture_output=True, text=True, env=env, timeout=60)


def test_recomputes_the_example_without_settings_or_database():
    done = run("--evidence", str(FIXTURE))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == 50
    assert [(d["rule"], d["amount"], d["point"]) for d in result["deductions"]] == [
        ("offline_rate", 40, None), ("fix_time", 10, "P2")]


def test_a_bad_file_is_a_chinese_error_and_status_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "sitewatch.assessment/1", "points": [', encoding="utf-8")
    done = run("--evidence", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert "不是有效的 JSON" in done.stderr
    missing = run(f"--evidence={tmp_path / 'nope.json'}")
    assert missing.returncode == 2 and "无法读取证据文件" in missing.stderr
