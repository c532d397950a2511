"""文种 templates: YAML files (one per 文种) validated into frozen dataclasses.

Built-in templates live in `assistant/compose/templates/`; files in the user's template
folder (Settings.templates_dir) add new 文种 or replace a built-in one with the same
`doctype` — no code change needed. Only `yaml.safe_load` is used. A file with mistakes is
reported (file name + field path, in Chinese) and skipped; the other templates still load.
List indices in field paths start at 0 (sections[0] is the first section).
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from assistant.ingest.roles import ROLES

BUILTIN_DIR = Path(__file__).parent / "templates"
TITLE_FIELDS = ("org", "year", "topic", "doctype", "scope")
HEADING_FIELDS = ("org", "year", "topic")
MAX_PARAGRAPHS = 20
MAX_DEPTH = 3
_TOP_KEYS = {"doctype", "aliases", "match_doctypes", "title", "addressee", "description", "opening", "sections",
             "closing"}
_SECTION_KEYS = {"heading", "roles", "paragraphs", "query", "subsections", "subheadings", "guidance"}
MAX_SUBHEADINGS = 9
_PART_KEYS = {"roles", "paragraphs", "query", "lead", "text"}
log = logging.getLogger(__name__)


class TemplateError(ValueError):
    """A template that cannot be used; the message is Chinese and names the file and field."""


@dataclass(frozen=True)
class Part:
    """Opening or closing: `paragraphs` retrieved by `roles`, with fixed text before (`lead`,
    e.g. 同志们：) and after (`text`, e.g. 现将有关情况总结如下： / 妥否，请批示。)."""

    roles: tuple[str, ...] = ()
    paragraphs: int = 0
    query: tuple[str, ...] = ()
    lead: str = ""
    text: str = ""


@dataclass(frozen=True)
class SectionSpec:
    heading: str
    roles: tuple[str, ...]
    paragraphs: int
    query: tuple[str, ...] = ()
    subsections: tuple["SectionSpec", ...] = ()
    subheadings: int = 0  # （一）（二）… sub-sections headed by precedent sub-headings; paragraphs = per sub-section
    guidance: tuple[str, ...] = ()  # what the section usually contains (shown when the corpus falls short)


@dataclass(frozen=True)
class Template:
    doctype: str
    aliases: tuple[str, ...]
    match_doctypes: tuple[str, ...]
    title: str
    sections: tuple[SectionSpec, ...]
    opening: Part = Part()
    closing: Part = Part()
    addressee: str = ""
    description: str = ""
    path: str = ""
    builtin: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.doctype, *self.aliases)


def load_templates(user_dir: Path | None = None,
                   on_error: Callable[[str], None] | None = None) -> dict[str, Template]:
    """Built-in templates, then the user's (same doctype replaces, new ones add); keyed by doctype.

    Each problem is passed to `on_error` (default: logged as a warning) and its file skipped.
    """
    report = on_error or log.warning
    templates: dict[str, Template] = {}
    for folder, builtin in ((BUILTIN_DIR, True), (Path(user_dir) if user_dir else None, False)):
        if folder is None:
            continue
        if not folder.is_dir():
            report(f"模板目录不存在：{folder}")
            continue
        seen: dict[str, str] = {}
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                template = load_template_file(path, builtin)
            except TemplateError as err:
                report(str(err))
                continue
            if template.doctype in seen:
                report(f"模板 {path.name}：doctype “{template.doctype}” 与 {seen[template.doctype]} 重复，已跳过")
                continue
            seen[template.doctype] = path.name
            templates[template.doctype] = template
    return templates


def check_templates(user_dir: Path | None = None) -> list[str]:
    """Every problem found in the built-in and user templates (empty = all good)."""
    errors: list[str] = []
    load_templates(user_dir, errors.append)
    return errors


def find_template(templates: Mapping[str, Template], name: str) -> Template:
    """The template named `name` or having it as an alias (a user template wins over a built-in)."""
    key = name.strip()
    if key in templates:
        return templates[key]
    matches = [t for t in templates.values() if key in t.aliases]
    if not matches:
        available = "、".join(templates) or "（无）"
        raise TemplateError(f"没有“{key}”的模板。可用的文种：{available}")
    return sorted(matches, key=lambda t: t.builtin)[0]


def load_template_file(path: Path, builtin: bool = False) -> Template:
    """Read and validate one YAML file; raises TemplateError listing every mistake in it."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")  # templates saved by Windows editors
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行）" if mark else ""
        raise TemplateError(f"模板 {path.name}：YAML 格式错误{where}：{getattr(err, 'problem', err)}") from None
    checker = _Checker(path.name)
    template = checker.template(data, str(path), builtin)
    if checker.errors:
        raise TemplateError("；".join(checker.errors))
    return template


class _Checker:
    """Validates one file's data, collecting every error with its field path."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.errors: list[str] = []

    def error(self, field: str, message: str) -> None:
        self.errors.append(f"模板 {self.file_name}：{field} {message}" if field else f"模板 {self.file_name}：{message}")

    def template(self, data: Any, path: str, builtin: bool) -> Template:
        if not isinstance(data, dict):
            self.error("", "内容应为键值映射（doctype、title、sections 等字段）")
            data = {}
        self.unknown_keys(data, _TOP_KEYS, "")
        sections = data.get("sections")
        if not isinstance(sections, list) or not sections:
            self.error("sections", "必须是非空列表")
            sections = []
        return Template(
            doctype=self.text(data, "doctype", "", required=True),
            aliases=self.words(data.get("aliases"), "aliases"),
            match_doctypes=self.words(data.get("match_doctypes"), "match_doctypes"),
            title=self.pattern(self.text(data, "title", "", required=True), "title", TITLE_FIELDS),
            sections=tuple(self.section(s, f"sections[{i}]", 1) for i, s in enumerate(sections)),
            opening=self.part(data.get("opening"), "opening"),
            closing=self.part(data.get("closing"), "closing"),
            addressee=self.text(data, "addressee", ""),
            description=self.text(data, "description", ""),
            path=path, builtin=builtin)

    def section(self, data: Any, field: str, depth: int) -> SectionSpec:
        if not isinstance(data, dict):
            self.error(field, "应为键值映射（heading、roles、paragraphs 等）")
            return SectionSpec("", (), 0)
        self.unknown_keys(data, _SECTION_KEYS, field + ".")
        subs = data.get("subsections") or []
        if not isinstance(subs, list):
            self.error(f"{field}.subsections", "应为列表")
            subs = []
        if subs and depth >= MAX_DEPTH:
            self.error(f"{field}.subsections", f"层级过深（最多 {MAX_DEPTH} 级）")
            subs = []
        children = tuple(self.section(s, f"{field}.subsections[{i}]", depth + 1) for i, s in enumerate(subs))
        paragraphs = self.count(data.get("paragraphs"), f"{field}.paragraphs", 0 if children else 1)
        roles = self.roles(data.get("roles"), f"{field}.roles")
        if paragraphs and not roles:
            self.error(f"{field}.roles", "不能为空：需要检索段落的小节必须指定角色")
        heading = self.pattern(self.text(data, "heading", field, required=True), f"{field}.heading", HEADING_FIELDS)
        subheadings = self.count(data.get("subheadings"), f"{field}.subheadings", 0, MAX_SUBHEADINGS)
        if subheadings and children:
            self.error(f"{field}.subheadings", "不能与 subsections 同时使用")
            subheadings = 0
        guidance = data.get("guidance")
        if guidance is not None and not (isinstance(guidance, list) and all(isinstance(g, str) and g.strip()
                                                                           for g in guidance)):
            self.error(f"{field}.guidance", "应为文字列表（每条一句写作提示）")
            guidance = None
        return SectionSpec(heading, roles or _union(c.roles for c in children), paragraphs,
                           self.words(data.get("query"), f"{field}.query"), children, subheadings,
                           tuple(g.strip() for g in guidance or ()))

    def part(self, data: Any, field: str) -> Part:
        if data is None:
            return Part()
        if not isinstance(data, dict):
            self.error(field, "应为键值映射（roles、paragraphs、lead、text）")
            return Part()
        self.unknown_keys(data, _PART_KEYS, field + ".")
        roles = self.roles(data.get("roles"), f"{field}.roles")
        paragraphs = self.count(data.get("paragraphs"), f"{field}.paragraphs", 1 if roles else 0)
        if paragraphs and not roles:
            self.error(f"{field}.roles", "不能为空：检索段落需要指定角色")
        return Part(roles, paragraphs, self.words(data.get("query"), f"{field}.query"),
                    self.text(data, "lead", field), self.text(data, "text", field))

    def roles(self, value: Any, field: str) -> tuple[str, ...]:
        roles = self.words(value, field)
        for role in roles:
            if role not in ROLES:
                self.error(field, f"含未知角色 “{role}”（可用角色：{'、'.join(ROLES)}）")
        return tuple(r for r in roles if r in ROLES)

    def words(self, value: Any, field: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and str(v).strip() for v in value):
            self.error(field, "应为文字列表，例如 [主要做法, 成效]")
            return ()
        return tuple(str(v).strip() for v in value)

    def count(self, value: Any, field: str, default: int, most: int = MAX_PARAGRAPHS) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
            self.error(field, f"应为 0 到 {most} 之间的整数，收到 {value!r}")
            return default
        return value

    def text(self, data: dict, key: str, prefix: str, required: bool = False) -> str:
        field = f"{prefix}.{key}" if prefix else key
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(field, "为必填项")
            return ""
        if not isinstance(value, (str, int)):
            self.error(field, "应为文字")
            return ""
        return str(value).strip()

    def pattern(self, text: str, field: str, allowed: tuple[str, ...]) -> str:
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError as err:
            self.error(field, f"花括号不成对：{err}")
            return text
        for name in names:
            if name not in allowed:
                self.error(field, f"含未知占位符 {{{name}}}（可用：{'、'.join('{' + a + '}' for a in allowed)}）")
        return text

    def unknown_keys(self, data: dict, known: set[str], prefix: str) -> None:
        for key in data:
            if key not in known:
                self.error(f"{prefix}{key}", f"是未知字段（可用字段：{'、'.join(sorted(known))}）")


def _union(groups) -> tuple[str, ...]:
    return tuple(dict.fromkeys(role for group in groups for role in group))
