"""`python -m bench.history_import [ROWS]`: how long `complaints import` takes for an older system's export.

Writes a made-up export in the older system's shape (GB18030 CSV, Chinese headers: 90% finished
cases, 8% still open, 2% broken rows), migrates and seeds a fresh SQLite database (demo mode), then
runs the real command line twice: the import, and the same import again (everything skipped).
Prints the figures; asserts nothing. `write_export` is also what tests/intake/test_import_cli.py uses.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from tests.processes import ServedProcess

HEADERS = ["编号", "受理时间", "来源", "问题类型", "所属镇街", "事发地址", "诉求人", "联系电话", "诉求内容",
           "办理状态", "承办单位", "办理结果", "回复时间", "满意度"]
TEXTS = [
    ("噪声污染", "{town}{place}工地晚上十一点还在施工，搅拌机声音很大，影响休息，请尽快处理。"),
    ("大气污染", "{town}{place}附近有人焚烧垃圾，浓烟很大，呛得人喘不过气。"),
    ("水污染", "{town}{place}旁边的小河发黑发臭，怀疑有人偷排污水。"),
    ("油烟", "{town}{place}楼下餐馆油烟直排，窗户都不敢开，多次反映无果。"),
    ("固废", "{town}{place}路边堆了大量建筑垃圾，很久没人清运。"),
]
TOWNS = ["合阳城街道", "钓鱼城街道", "南津街街道", "太和镇", "龙市镇", "涞滩镇", "沙鱼镇", "草街街道"]
PLACES = ["滨江小区", "花园路", "新华村", "东津沱", "人民广场", "工业园区"]
DEPARTMENTS = ["区生态环境局", "区住建委", "区城市管理局", "区水利局"]
STATUSES = ["已办结", "已回复"]
RATINGS = ["满意", "基本满意", "不满意", "", ""]
CHANNELS = ["12369热线", "12345热线", "网上投诉", "微信公众号", ""]


def write_export(path: Path, rows: int, *, seed: int = 7, broken_share: float = 0.02,
                 open_share: float = 0.08, encoding: str = "gb18030") -> dict[str, int]:
    """A CSV as the older system exports it; returns how many rows of each kind it holds."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 4, 8, 30)
    kinds = {"finished": 0, "open": 0, "broken": 0}
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            kind_text, template = TEXTS[i % len(TEXTS)]
            received = start + timedelta(minutes=15 * i + rng.randrange(10))  # 100,000 rows: about three years
            content = template.format(town=rng.choice(TOWNS), place=rng.choice(PLACES))
            roll = rng.random()
            status, department, reply, replied, rating = "", "", "", "", ""
            if roll < broken_share:
                kinds["broken"] += 1
                received_text = "去年某天" if i % 2 else received.strftime("%Y/%m/%d %H:%M")
                content = content if i % 2 else "吵"  # a bad date, or content too short
            else:
                received_text = received.strftime("%Y/%m/%d %H:%M")
                if roll < broken_share + open_share:
                    kinds["open"] += 1
                    status = "办理中"
                else:
                    kinds["finished"] += 1
                    status = rng.choice(STATUSES)
                    department = rng.choice(DEPARTMENTS)
                    reply = "经现场核查，情况属实，已责令整改并复查，问题已解决。"
                    replied = (received + timedelta(days=rng.randrange(1, 10))).strftime("%Y-%m-%d %H:%M:%S")
                    rating = rng.choice(RATINGS)
            writer.writerow([f"HX{2021000000 + i}", received_text, rng.choice(CHANNELS), kind_text,
                             rng.choice(TOWNS), f"{rng.choice(PLACES)}{rng.randrange(1, 200)}号",
                             rng.choice(["张先生", "李女士", "王某", ""]),
                             f"13{rng.randrange(100000000, 999999999)}", content, status, department, reply,
                             replied, rating])
    return kinds


def mapping_text() -> str:
    """The column mapping of the export above (as an administrator would write it)."""
    example = Path(__file__).resolve().parents[1] / "docs" / "import-mapping.example.yaml"
    return example.read_text(encoding="utf-8")


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "services.cli", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"complaints {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def main(rows: int = 100_000) -> None:
    folder = Path(tempfile.mkdtemp(prefix="complaints-import-bench-"))
    export, mapping = folder / "export.csv", folder / "mapping.yaml"
    kinds = write_export(export, rows)
    mapping.write_text(mapping_text(), encoding="utf-8")
    with ServedProcess("all") as served:  # migrated, seeded, and routing's directory delivered to intake
        database_url = served.env["DATABASE_URL"]
    env = {**os.environ, "DEMO_MODE": "true", "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    print(f"historical import: {rows:,} rows ({kinds['finished']:,} finished, {kinds['open']:,} open, "
          f"{kinds['broken']:,} broken), GB18030 CSV, SQLite, batches of 500")
    for label, extra in (("dry run", ["--dry-run"]), ("import", []), ("again (all skipped)", [])):
        elapsed, out = _run(["import", str(export), "--mapping", str(mapping), *extra], env)
        print(f"  {label:<20} {elapsed:7.1f} s  {rows / elapsed:8,.0f} rows/s")
    print("  last summary:\n    " + out.strip().replace("\n", "\n    "))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
