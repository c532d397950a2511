"""`gongwen check`: the checker's command line (registered by assistant/cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EPILOG_CHECK = """示例：
  gongwen check 通知.docx                        易读报告：规则、位置、说明、建议改法
  gongwen check 通知.txt --json                  JSON：{"file", "findings": [{"rule", "category", "severity",
                                                 "paragraph", "start", "end", "text", "message", "suggestion"}]}
  gongwen check 通知.docx --fix 通知_改.docx       另存一份，套用机械性修改（标点、数字、括号、日期、词表中的错词）
  gongwen check 通知.txt --words 本单位词表.yaml   追加自己的误用词表（格式见 assistant/norms/data/words.yaml）
  gongwen check 草稿.docx --layout               版式检查：页面、页边距、行距网格、各级字体字号、页码、版头版记
有问题也以 0 退出；文件无法读取时以 1 退出。
"""


def add_parser(sub) -> None:
    check = sub.add_parser("check", help="公文规范检查（文号、日期、数字、标点、层次序数、错别字、结构；--layout 查版式）",
                           epilog=EPILOG_CHECK,
                           description="按 GB/T 9704-2012、GB/T 15834-2011、GB/T 15835-2011 检查公文：发文字号、日期、数字、"
                                       "标点、层次序数、常见误用词、文种结构（主送机关、请示结语、附件说明、成文日期）。"
                                       "每处问题给出规则、位置、依据和（可机械修改时）改法。不用模型，离线运行。",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("file", metavar="FILE", type=Path, help="要检查的文件（.txt .md .docx .pdf .html .jsonl 等）")
    check.add_argument("--json", action="store_true", help="输出 JSON（.jsonl 每个文档一行）")
    check.add_argument("--fix", type=Path, metavar="OUT", help="把机械性修改写入另一个文件（.docx 输入可输出 .docx；其他输出 .txt/.md）")
    check.add_argument("--words", type=Path, action="append", default=[], metavar="FILE",
                       help="追加的误用词表（YAML，可多次给出；也可用环境变量 GONGWEN_WORDS）")
    check.add_argument("--layout", action="store_true", help="检查 .docx 的版式（GB/T 9704-2012），而不是文字")
    check.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.models import ReadError
    from assistant.norms import WordListError, check_file, report_json, report_text, write_fixed

    if args.layout:
        return _layout(args)
    try:
        results = check_file(args.file, tuple(str(p) for p in args.words))
    except ReadError as err:
        return _fail(str(err))
    except WordListError as err:
        return _fail(str(err))
    for doc, findings in results:
        if args.json:
            print(json.dumps(report_json(doc.source, findings), ensure_ascii=False))
        else:
            print(report_text(doc.source, findings, doc.paragraphs))
    if args.fix:
        if len(results) != 1:
            return _fail(f"{args.file}：--fix 只能用于单个文档的文件（.jsonl 含 {len(results)} 个文档）")
        doc, findings = results[0]
        try:
            applied = write_fixed(args.file, doc, findings, args.fix)
        except ValueError as err:
            return _fail(str(err))
        except OSError as err:
            return _fail(f"{args.fix}：无法写入（{err.strerror or err}）")
        print(f"已写入：{args.fix}（机械性修改 {applied} 处）", file=sys.stderr)
    return 0


def _layout(args: argparse.Namespace) -> int:
    from assistant.norms.layout_check import LayoutError, check_layout
    from assistant.norms.report import report_json, report_text

    try:
        findings = check_layout(args.file)
    except LayoutError as err:
        return _fail(str(err))
    if args.json:
        print(json.dumps(report_json(str(args.file), findings), ensure_ascii=False))
    else:
        print(report_text(str(args.file), findings))
    return 0


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1
