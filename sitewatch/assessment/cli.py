"""`sitewatch assess --evidence FILE`: recompute an assessment from its evidence file alone.

Runs without settings or a database (the console script hands it over before Django
starts), so anyone holding the file and this package can check a published score. The
itemised result goes to stdout as JSON; a file that cannot be read or is not valid
evidence is a Chinese message on stderr and exit status 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sitewatch.assessment.rules import EvidenceError, assess_document


def recompute(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except OSError as exc:
        raise EvidenceError(f"无法读取证据文件 {path}：{exc.strerror or exc}。") from exc
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"证据文件 {path} 不是 UTF-8 编码。") from exc
    except json.JSONDecodeError as exc:
        raise EvidenceError(f"证据文件 {path} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）。") from exc
    return assess_document(data)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="sitewatch assess", description="依据证据文件重新计算系统集成商周考核得分。")
    parser.add_argument("--evidence", required=True, metavar="FILE", help="考核证据文件（JSON，schema sitewatch.assessment/1）")
    args = parser.parse_args(list(argv))
    try:
        result = recompute(args.evidence)
    except EvidenceError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
