"""Chinese tokenization for BM25: jieba words with a 公文 dictionary, character bigrams, term mining."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import jieba

DATA_DIR = Path(__file__).parent / "data"
DICT_PATH = DATA_DIR / "gongwen_dict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"
NAME_PREFIX = "jieba-gongwen-v1"
DEFAULT_FREQ = 10000  # high enough that jieba keeps a term whole in running text (2000 already does)

_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_TABLE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"[{_CJK}]+|[a-z0-9]+")
_HAS_WORD = re.compile(r"[^\W_]")
_JIEBA_TERM = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")  # what jieba's precise mode can emit whole

_QUOTED = re.compile(f"[“「]([{_CJK}]{{2,12}})[”」]")
_ORG_SUFFIXES = ("局", "厅", "委员会", "办公室", "人民政府", "中心")
_ORG_END = re.compile("|".join(_ORG_SUFFIXES))
_ORG_BOUNDARY = re.compile("根据|依据|按照|依照|关于|通过|经过|会同|联合|配合|协调|督促|指导|组织|牵头|负责|印发|转发|"
                           "召开|要求|成立|设立|[的了在向由将把被是为并或等从于各请要号]")
_NOT_ORG = re.compile("(?:[格布开大结全当骗棋僵时战变危饭赌定终残困]局|[餐客展舞门歌]厅)$")
_ORG_START = re.compile(f"国家|国务院|中共|中央|全国|[{_CJK}]{{0,6}}?(?:省|市|县|区|州|盟|旗|乡|镇|街道)")
_NOT_ORG_NEXT = {"局": "面势部限长", "中心": "城区镇任环位地点", "厅": "长级堂"}  # 局面, 中心城区, 厅长 …
_NON_CJK = re.compile(f"[^{_CJK}]")
_ORG_MAX = 14


def normalize(text: str) -> str:
    """Full-width letters/digits to ASCII, then lowercase (the same for documents, queries, terms)."""
    if _FULLWIDTH_ALNUM.search(text):
        text = text.translate(_FULLWIDTH_TABLE)
    return text.lower()


def char_bigrams(text: str) -> list[str]:
    """Overlapping bigrams of each CJK run (a lone character stays a unigram); ASCII/digit runs whole."""
    out: list[str] = []
    for run in _RUNS.findall(normalize(text)):
        if len(run) == 1 or run.isascii():
            out.append(run)
        else:
            out.extend(map(str.__add__, run[:-1], run[1:]))
    return out


def read_terms(path: Path) -> dict[str, int | None]:
    """Parse a jieba-style term file ("term [freq] [tag]" per line, # comments; UTF-8 or GB18030)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    terms: dict[str, int | None] = {}
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        term = normalize(fields[0])
        if _JIEBA_TERM.fullmatch(term):
            terms[term] = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
    return terms


def read_stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """One stopword per line; lines starting with # are comments."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return frozenset(normalize(w.strip()) for w in lines if w.strip() and not w.startswith("#"))


class Tokenizer:
    """jieba precise mode on a private jieba instance, with the 公文 dictionary, user terms and stopwords.

    Dictionary terms that contain other dictionary terms ("中央八项规定精神" ⊃ "八项规定") also
    emit those parts, so a query for the shorter term still matches the compound in BM25.
    """

    def __init__(self, user_dict_paths: Sequence[Path] = (), extra_terms: Iterable[str] = ()):
        entries = read_terms(DICT_PATH)
        for path in user_dict_paths:
            if not Path(path).is_file():
                raise FileNotFoundError(f"用户词典不存在：{path}")
            entries.update(read_terms(Path(path)))
        for term in extra_terms:
            term = normalize(term.strip())
            if _JIEBA_TERM.fullmatch(term):
                entries.setdefault(term, None)
        self._entries = entries
        self._stopwords = read_stopwords()
        self._name = f"{NAME_PREFIX}+{_fingerprint(entries, self._stopwords)}"
        self._parts: dict[str, tuple[str, ...]] = {}
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Identifies the tokenizer and every dictionary/stopword it uses (recorded in the index)."""
        return self._name

    @property
    def terms(self) -> frozenset[str]:
        """All dictionary terms added on top of jieba's own dictionary."""
        return frozenset(self._entries)

    def words(self, text: str) -> list[str]:
        """Words of `text`: normalised, stopwords and punctuation dropped, compound parts added."""
        cut = self._instance().cut
        stop, parts = self._stopwords, self._parts
        out: list[str] = []
        for word in cut(normalize(text)):
            if word in stop or not _HAS_WORD.search(word):
                continue
            out.append(word)
            if word in parts:
                out.extend(parts[word])
        return out

    def _instance(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._load()
        return self._jieba

    def _load(self) -> jieba.Tokenizer:
        # Build jieba's prefix dictionary straight from its dict.txt: no cache file in a shared temp
        # dir, no log output, and faster than jieba's marshal cache here (0.49 s vs 0.56 s).
        jb = jieba.Tokenizer()
        jb.FREQ, jb.total = jb.gen_pfdict(jb.get_dict_file())
        jb.initialized = True
        for term, freq in self._entries.items():
            _add_word(jb, term, freq)
        self._parts = _compound_parts(self._entries)
        return jb


def _add_word(jb: jieba.Tokenizer, term: str, freq: int | None) -> None:
    """jieba's add_word without raising `total`: thousands of mined terms must not re-weight every word."""
    table = jb.FREQ
    table[term] = freq if freq is not None else max(table.get(term) or 0, DEFAULT_FREQ)
    for end in range(1, len(term)):
        table.setdefault(term[:end], 0)


def _compound_parts(terms: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each term, the other terms it contains (in order of position)."""
    known = set(terms)
    parts = {}
    for term in known:
        found = [term[i:j] for i in range(len(term)) for j in range(i + 2, len(term) + 1)
                 if (i, j) != (0, len(term)) and term[i:j] in known]
        if found:
            parts[term] = tuple(dict.fromkeys(found))
    return parts


def _fingerprint(entries: dict[str, int | None], stopwords: frozenset[str]) -> str:
    lines = [f"jieba {jieba.__version__}"] + [f"{t}\t{'' if f is None else f}" for t, f in sorted(entries.items())]
    lines += ["--stopwords--"] + sorted(stopwords)
    return hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()[:8]


def mine_terms(texts: Iterable[str], min_count: int = 2) -> list[str]:
    """Quoted slogans (“放管服”, 2–12 CJK chars, once is enough) and organisation names seen ≥ min_count times.

    An organisation name ends in 局/厅/委员会/办公室/人民政府/中心, starts with a level or place
    (国家…, …省, …市, …县, …区 …) and is seen at least once right after punctuation or a function
    word — so a name cut short on the left ("阳市人民政府" from 洛阳/信阳) never becomes a term.
    """
    slogans: set[str] = set()
    counts: Counter[str] = Counter()
    standalone: set[str] = set()
    for text in dict.fromkeys(texts):  # exact duplicates would fake repetition
        slogans.update(_QUOTED.findall(text))
        for seg in _org_segments(text):
            for i in range(max(0, len(seg) - _ORG_MAX), len(seg) - 2):
                counts[seg[i:]] += 1
            if len(seg) <= _ORG_MAX:
                standalone.add(seg)
    orgs = {c for c in standalone if counts[c] >= min_count and _ORG_START.match(c) and not _NOT_ORG.search(c)}
    return sorted(slogans | orgs)


def _org_segments(text: str) -> Iterable[str]:
    """CJK text ending at each organisation suffix, cut after the last non-CJK char or boundary word."""
    for m in _ORG_END.finditer(text):
        if text[m.end():m.end() + 1] in _NOT_ORG_NEXT.get(m.group(), "") and m.end() < len(text):
            continue
        window = text[max(0, m.end() - _ORG_MAX - 1):m.end()]
        start = 0
        for cut in (_NON_CJK, _ORG_BOUNDARY):
            for b in cut.finditer(window, start, len(window) - len(m.group())):
                start = b.end()
        yield window[start:]
