"""`gongwen` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from assistant.ingest import dedup
from assistant.ingest.pipeline import parse_file
from assistant.ingest.read import SUPPORTED_SUFFIXES
from assistant.ingest.report import document_json, outline_text, summary_line
from assistant.models import Document, ReadError

EPILOG_PARSE = """示例：
  gongwen parse corpus/seeds/000_428990ef5edc20c9.txt          易读提纲
  gongwen parse 报告.docx --json                              一个 JSON 对象（.jsonl 每行一个）
  gongwen parse corpus/                                       文件夹：逐文件摘要与重复文档分组
"""
SKIP_NAMES = {"readme.md", "source.md", "license", "license.md"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gongwen",
        description="公文检索与起草助手（离线）。",
        epilog="各子命令的用法：gongwen 子命令 --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    parse = sub.add_parser(
        "parse", help="读取、清洗并结构化文件（不建索引）", epilog=EPILOG_PARSE,
        description="读取、清洗并结构化公文：标题、文种、发文机关、文号、日期、层级标题与章节角色。",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parse.add_argument("path", metavar="FILE", help="文件（.txt .docx .pdf .html .md .jsonl）或文件夹")
    parse.add_argument("--json", action="store_true", help="输出 JSON（每个文档一行）")
    parse.set_defaults(func=cmd_parse)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


def cmd_parse(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.is_dir():
        return parse_folder(path, as_json=args.json)
    if not path.exists():
        return fail(f"{path}：文件不存在")
    try:
        docs = parse_file(path)
    except ReadError as err:
        return fail(str(err))
    for doc in docs:
        if args.json:
            print(json.dumps(document_json(doc), ensure_ascii=False))
        else:
            print(outline_text(doc))
    return 0


def parse_folder(folder: Path, as_json: bool) -> int:
    """Parse every supported file under `folder`; one line per file, errors named, then duplicates."""
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.lower() not in SKIP_NAMES)
    docs: list[Document] = []
    failures = 0
    for path in files:
        try:
            parsed = parse_file(path)
        except ReadError as err:
            failures += 1
            print(f"错误：{err}", file=sys.stderr)
            continue
        for doc in parsed:
            docs.append(doc)
            print(json.dumps(document_json(doc), ensure_ascii=False) if as_json else summary_line(doc, folder))
    if not as_json:
        print_folder_summary(docs, failures)
    return 1 if failures and not docs else 0


def print_folder_summary(docs: list[Document], failures: int) -> None:
    types = Counter(d.doctype or "未识别" for d in docs)
    paragraphs = sum(len(d.body) for d in docs)
    print(f"\n共 {len(docs)} 篇，正文段落 {paragraphs} 个，读取失败 {failures} 个。")
    print("文种：" + "、".join(f"{k} {v}" for k, v in types.most_common()))
    keys = [f"{d.source}#{d.doc_id}" for d in docs]  # file stems may repeat across folders
    groups = dedup.find_duplicate_documents([(k, "".join(p.text for p in d.body)) for k, d in zip(keys, docs)])
    if groups:
        print(dedup.format_groups(groups, {k: d.title for k, d in zip(keys, docs)}))
    else:
        print("未发现重复文档。")


def fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
