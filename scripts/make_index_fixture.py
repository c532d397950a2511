"""Write a small real index of the current format to DEST/index_v<N>/ (N = store.FORMAT_VERSION).

tests/test_migrate.py opens every tests/data/index_v*/ with the current program, so an index written by
each earlier release keeps being tested after the format changes. Run it from a clean checkout of the
release *before* changing the format (uncommitted work in progress must not leak into the fixture):

    git worktree add /tmp/release HEAD && cd /tmp/release && bash scripts/setup.sh
    .venv/bin/python scripts/make_index_fixture.py /work/main/tests/data

Two short documents, the real model; the embedding cache is included (a rebuild of the fixture
embeds nothing). About 0.3 MB.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

DOCUMENTS = {
    "安全生产通知.txt": """国务院办公厅关于加强安全生产工作的通知
国办发〔2024〕12号
各省、自治区、直辖市人民政府：
为切实加强安全生产工作，有效防范遏制重特大事故，现就有关事项通知如下。
一、压实安全生产责任
各地区要严格落实党政领导干部安全生产责任制，坚持“管行业必须管安全”。
二、深化隐患排查治理
要建立健全隐患排查治理双重预防机制，对重大隐患实行挂牌督办。
国务院办公厅
2024年3月5日
""",
    "医德医风总结.txt": """某县卫生健康局2023年医德医风建设工作总结
今年以来，我局坚持以人民健康为中心，扎实推进医德医风建设。
一、主要工作
（一）加强教育引导。组织全县医务人员开展职业道德专题培训，签订廉洁行医承诺书。
（二）健全制度机制。建立医德考评档案，把考评结果与评优评先挂钩。
二、存在的问题
个别医务人员服务意识不强，群众满意度仍有提升空间。
三、下一步打算
持续开展“三好一满意”活动，畅通投诉渠道，推动医德医风持续向好。
""",
}


def main(dest: Path) -> Path:
    from assistant.config import Settings
    from assistant.search import store
    from assistant.search.ingest import ingest

    out = dest / f"index_v{store.FORMAT_VERSION}"
    with tempfile.TemporaryDirectory(prefix="gongwen-fixture-") as tmp:
        sources = Path(tmp) / "sources"
        sources.mkdir()
        for name, text in DOCUMENTS.items():
            (sources / name).write_text(text, encoding="utf-8")
        index_dir = Path(tmp) / "index"
        report = ingest([sources], Settings(index_dir=index_dir))
        if report.failed or report.documents != len(DOCUMENTS):
            raise SystemExit(f"fixture ingest failed: {report.failed}")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(index_dir, out, ignore=shutil.ignore_patterns("ingest.lock", "uploads", "*-wal", "*-shm"))
    print(f"wrote {out} (format {store.FORMAT_VERSION}, {report.paragraphs} paragraphs)")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "tests" / "data")
