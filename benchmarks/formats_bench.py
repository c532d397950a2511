"""Speed, accuracy and peak memory of the archive-format readers, each scenario in a fresh process.

    .venv/bin/python benchmarks/formats_bench.py [--docs 40] [--out benchmarks/out/formats_bench.json]

Samples are made here (tests/format_samples.py): `--docs` different one-page 公文 .docx files converted
by LibreOffice to .doc, .rtf and .wps; the sample 公文 as an OFD; a rendered page as a clean 300 dpi PNG
and a noisy skewed 200 dpi image-only PDF (red seal over the date). Reported per scenario: files/s or
seconds/page, character accuracy against the source text (mean over files), the child's peak RSS
above its baseline after imports (MB) and the largest soffice process's peak RSS (MB). The OCR cache is off except in the "cached" scenario.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import format_samples as fs
from assistant.ingest import options, read, read_doc, read_ofd, read_rtf, read_image, soffice  # noqa: F401
from assistant.ingest.read import read_file
spec = json.loads(sys.argv[1])
if spec.get("warm_ocr"):
    from assistant.ingest import ocr
    import numpy as np
    ocr.engine()(np.full((48, 160, 3), 255, dtype=np.uint8))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cache = Path(spec["cache"]) if spec.get("cache") else None
accuracies = []
with options.using(options.ReadOptions(cache_dir=cache)):
    start = time.perf_counter()
    for name in spec["files"]:
        raw = read_file(Path(name))[0]
        accuracies.append(fs.char_accuracy(spec["reference"][name], raw.text))
    secs = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child: soffice
print(json.dumps({"seconds": secs, "accuracy": sum(accuracies) / len(accuracies), "min_accuracy": min(accuracies),
                  "peak_mb": (peak - base) / 1024, "soffice_peak_mb": children / 1024}))
"""


def make_samples(root: Path, n_docs: int) -> dict[str, dict]:
    """Sample files per scenario: {scenario: {"files": [...], "reference": {file: text}, ...}}."""
    import docx

    import format_samples as fs

    sources, texts = [], {}
    for n in range(n_docs):
        path = root / "src" / f"通知{n:03d}.docx"
        path.parent.mkdir(parents=True, exist_ok=True)
        document = docx.Document()
        lines = [f"关于做好第{n}批{fs.LINES[0][4:]}", *fs.LINES[1:]]
        for line in lines:
            document.add_paragraph(line)
        document.save(path)
        sources.append(path)
        texts[path.stem] = "\n".join(lines)
    docs = fs.soffice_convert(sources, "doc", root / "doc")
    rtfs = fs.soffice_convert(sources, "rtf", root / "rtf")
    wps_dir = root / "wps"
    wps_dir.mkdir()
    wps = []
    for doc in docs[: max(1, n_docs // 4)]:
        target = wps_dir / (doc.stem + ".wps")
        target.write_bytes(doc.read_bytes())
        wps.append(target)
    ofd = fs.make_ofd(root / "通知.ofd")
    png = root / "page_300dpi.png"
    fs.render_page(300).save(png)
    pdf = fs.save_image_pdf([fs.noisy_scan(fs.render_page(200))], root / "scan_200dpi.pdf", 200)
    full = fs.source_text(with_header=True)

    def scenario(files, reference, **extra):
        return {"files": [str(f) for f in files], "reference": {str(f): reference(f) for f in files}, **extra}

    return {
        f"doc_batch_{len(docs)}": scenario(docs, lambda f: texts[f.stem]),
        "doc_single_cold": scenario(docs[:1], lambda f: texts[f.stem]),
        f"wps_batch_{len(wps)}": scenario(wps, lambda f: texts[f.stem]),
        f"rtf_{len(rtfs)}": scenario(rtfs, lambda f: texts[f.stem]),
        "ofd_1": scenario([ofd], lambda f: full),
        "ocr_png_300dpi_clean": scenario([png], lambda f: full, warm_ocr=True),
        "ocr_pdf_200dpi_noisy": scenario([pdf], lambda f: full, warm_ocr=True),
        "ocr_png_cached": scenario([png], lambda f: full, warm_ocr=True, cache=str(root / "cache"), prime=True),
    }


def run(spec: dict) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec, ensure_ascii=False), "", str(ROOT / "tests")],
                            capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=40, help="number of .doc/.rtf files (default 40)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="formats-bench-") as tmp:
        scenarios = make_samples(Path(tmp), args.docs)
        for name, spec in scenarios.items():
            if spec.get("prime"):
                run(spec)  # fill the cache, then measure the re-read
            out = run(spec)
            n = len(spec["files"])
            if "seconds" in out:
                out["files_per_s"] = n / out["seconds"]
                out["seconds_per_file"] = out["seconds"] / n
            results[name] = out
            shown = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items())
            print(f"{name:24s} n={n:3d}  {shown}", flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
