"""`gongwen` command line: a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from assistant.ingest import dedup
from assistant.ingest.pipeline import parse_file
from assistant.ingest.read import SKIP_NAMES, SUPPORTED_SUFFIXES
from assistant.ingest.report import document_json, outline_text, summary_line
from assistant.models import Document, ReadError

EPILOG_PARSE = """示例：
  gongwen parse corpus/seeds/000_428990ef5edc20c9.txt          易读提纲
  gongwen parse 报告.docx --json                              一个 JSON 对象（.jsonl 每行一个）
  gongwen parse 旧文件.wps                                    .doc/.wps/.rtf/.ofd、扫描件 PDF 与图片（OCR）同样可读
  gongwen parse 扫描件.pdf --no-ocr                           不做 OCR：没有文字层的扫描件给出原因
  gongwen parse corpus/                                       文件夹：逐文件摘要与重复文档分组
"""
EPILOG_INGEST = """示例：
  gongwen ingest corpus/                          把随附语料入库到默认索引 index/
  gongwen ingest ~/公文 范文.docx --index 我的索引   文件与文件夹均可；未变的文件按内容哈希跳过
  gongwen ingest ~/公文 --sync                    同时移除已被删除的文件对应的文档
  gongwen ingest ~/档案 --no-ocr                  跳过扫描件与图片的 OCR（每页约 5 秒；识别结果按图像缓存）
  gongwen ingest --rebuild --index 我的索引         用索引中已存的文档重建（不读原文件，向量取自缓存）
"""
EPILOG_REMOVE = """示例：
  gongwen remove 国办发2020-1                      按文档 id 移除
  gongwen remove ~/公文/旧材料/                     按文件或文件夹路径移除
"""
EPILOG_COMPACT = """示例：
  gongwen compact                     把增量入库留下的分段合并为一个基础段（默认索引 index/）
  gongwen compact --index 我的索引
小的改动（新增、修改、删除少量文件）入库时只写一个小分段，几秒内可检索；分段多于 8 个，或新增段落既多于
5,000 段又超过基础段的 20% 时，下一次入库会自动合并。合并时重新挖掘词典词、重算全库近似重复，向量取自缓存。
"""
EPILOG_EVAL = """示例：
  gongwen eval                         四个评测集，默认融合与各单路、RRF 比较（留出的一半查询）
  gongwen eval --set stard --json      只评 STARD，输出 JSON
  gongwen eval --tune                  在四个集的调参一半上按“最差情形”选融合参数，再在留出一半上报告
"""
EPILOG_COMPOSE = """示例：
  gongwen compose --doctype 工作总结 --topic "医德医风建设" --org "某县卫生健康局" --year 2026 --out 总结.docx
  gongwen compose --doctype 请示 --topic "增加编制" --org "某县教育局" --year 2026 --out 请示.md --sources separate
  gongwen compose --doctype 实施方案 --topic "优化营商环境" --org "某市人民政府" --year 2026 \\
      --keywords 政务服务 --keywords 减税降费 --out 方案.json
  gongwen compose --doctype 通知 --topic "医德医风专项检查" --org "某县卫生健康局" --out 通知.docx \\
      --issuer 某县卫生健康局文件 --doc-number 某县卫发〔2026〕7号 --cc 县纪委监委 \\
      --printed-by 某县卫生健康局办公室 --printed-on 2026-03-18      带版头与版记
  gongwen compose --list                          列出可用的文种模板
输出按扩展名选择：.docx（GB/T 9704 版式）、.md、.txt、.json（提纲，含来源与备选段落）。
每个段落都标明来源；原文中的金额、数量、单位名称、人名、文号等标为【待核实：…】。
"""
EPILOG_SEARCH = """示例：
  gongwen search "加强医德医风建设 下一步打算"
  gongwen search "优化营商环境" --doctype 方案 --role 主要任务 --k 5
  gongwen search "\"三好一满意\" 活动成效" --year-from 2010 --year-to 2015 --json
  gongwen search --index idx --batch queries.jsonl --k 10 --json
  gongwen search "节能减排 目标责任" --unit document      按文件排序，每个文件附最相关的段落
      （每行 {"qid": "...", "query": "..."}，每个查询输出一行 {"qid", "hits": [...]}）
"""


EPILOG_DOCTOR = """示例：
  gongwen doctor                     逐项检查，✓ 正常、✗ 有问题（附修复方法）、○ 未配置或不适用
  gongwen doctor --index 我的索引 --json   供脚本使用的 JSON
  gongwen doctor --quick             跳过 LibreOffice 转换测试（快几秒）
必需项（Python、torch、向量模型、索引能否打开）有问题时退出码为 1。
"""
EPILOG_SERVE = """示例：
  gongwen serve                                   在 http://127.0.0.1:7860 打开界面（默认索引 index/）
  gongwen serve --index 我的索引 --port 8080
  gongwen serve --host 0.0.0.0 --auth 张三:一个足够长的密码   局域网访问必须设置认证
首次启动时若索引为空，先把随附语料 corpus/（或 --corpus 指定的文件夹）入库，并显示进度。
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gongwen",
        description="公文检索与起草助手（离线）。",
        epilog="各子命令的用法：gongwen 子命令 --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gongwen {_version()}", help="显示版本号后退出")
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    parse = sub.add_parser(
        "parse", help="读取、清洗并结构化文件（不建索引）", epilog=EPILOG_PARSE,
        description="读取、清洗并结构化公文：标题、文种、发文机关、文号、日期、层级标题与章节角色。",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parse.add_argument("path", metavar="FILE", help="文件（.txt .md .docx .doc .wps .rtf .ofd .pdf .html .jsonl、"
                                                    ".png .jpg .tif 等图片）或文件夹")
    parse.add_argument("--json", action="store_true", help="输出 JSON（每个文档一行）")
    _ocr_arg(parse)
    parse.set_defaults(func=cmd_parse)

    ingest = sub.add_parser("ingest", help="把文件或文件夹入库（增量）", epilog=EPILOG_INGEST,
                            description="读取、清洗、结构化并建立混合索引（BM25 + 向量）。新文件与改动过的文件入库，"
                                        "未变的文件跳过；失败的文件逐个报告，不影响其余文件。",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    ingest.add_argument("paths", nargs="*", metavar="PATH", help="文件或文件夹（与 --rebuild 同用时可省略）")
    _index_arg(ingest)
    ingest.add_argument("--sync", action="store_true", help="移除文件已不存在的文档")
    ingest.add_argument("--rebuild", action="store_true",
                        help="全部重建（例如更换了向量模型）：给出路径则重新读取这些文件；不给路径则用索引中已存的文档"
                             "（不读原文件）。两种方式的向量都取自缓存，未变的段落不重新计算")
    ingest.add_argument("--strict", action="store_true", help="有任何文件失败时以非零状态退出")
    _ocr_arg(ingest)
    ingest.add_argument("--model", help="sentence-transformers 模型目录或名称（默认随附的 m3e-small）")
    ingest.add_argument("--user-dict", action="append", type=Path, help="用户词典（每行一个词），可多次给出")
    ingest.set_defaults(func=cmd_ingest)

    remove = sub.add_parser("remove", help="按文档 id 或路径从索引移除", epilog=EPILOG_REMOVE,
                            description="从索引中移除文档（按文档 id、文件路径或文件夹）。",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    remove.add_argument("targets", nargs="+", metavar="ID或路径")
    _index_arg(remove)
    remove.set_defaults(func=cmd_remove)

    compact = sub.add_parser("compact", help="合并增量入库留下的索引分段", epilog=EPILOG_COMPACT,
                             description="把基础段与增量分段合并为一个基础段（用索引中已存的文档，不读原文件）。",
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_arg(compact)
    compact.set_defaults(func=cmd_compact)

    search = sub.add_parser("search", help="检索先例段落", epilog=EPILOG_SEARCH,
                            description="混合检索（BM25 词 + 字二元组 + 向量）。\"引号内\"的短语必须原样出现；"
                                        "查询中的发文字号或《标题》会把该文档排在最前。",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    search.add_argument("query", nargs="?", help="查询文本")
    _index_arg(search)
    search.add_argument("--k", type=int, default=10, help="返回条数（默认 10）")
    search.add_argument("--doctype", action="append", help="文种（可多次给出），如 总结、方案、通知")
    search.add_argument("--role", action="append", help="章节角色，如 主要任务、下一步打算")
    search.add_argument("--year-from", type=int, help="起始年份")
    search.add_argument("--year-to", type=int, help="截止年份")
    search.add_argument("--org", help="发文机关（包含即可）")
    search.add_argument("--source", help="来源文件或文件夹（路径包含即可）")
    search.add_argument("--mode", choices=["hybrid", "bm25_words", "bm25_bigrams", "dense"], default="hybrid",
                        help="检索信号（默认 hybrid 融合）")
    search.add_argument("--unit", choices=["paragraph", "document"], default="paragraph",
                        help="结果单位：paragraph 按段落（默认，看“怎么写”），document 按文件（看“哪些文件讲这个”）")
    search.add_argument("--batch", type=Path, help="批量查询文件（JSONL：qid, query）")
    search.add_argument("--json", action="store_true", help="输出 JSON")
    search.set_defaults(func=cmd_search)

    compose = sub.add_parser("compose", help="按文种模板从先例段落起草提纲", epilog=EPILOG_COMPOSE,
                             description="按文种模板逐节检索先例段落（按章节角色、优先同文种），替换机关与年份，"
                                         "把无法沿用的具体事实标为【待核实】，输出可编辑的草稿。",
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    compose.add_argument("--doctype", help="文种，如 工作总结、实施方案、通知、请示、讲话稿（--list 查看全部）")
    compose.add_argument("--topic", help="主题，如“医德医风建设”")
    compose.add_argument("--org", default="", help="发文机关，如“某县卫生健康局”")
    compose.add_argument("--year", type=int, help="年份（默认今年）")
    compose.add_argument("--keywords", action="append", default=[], help="关键词（可多次给出，或用逗号分隔）")
    compose.add_argument("--alternatives", type=int, default=3, help="每段保留的备选段落数（默认 3）")
    compose.add_argument("--out", type=Path, help="输出文件：.docx .md .txt .json（不给则在终端打印提纲）")
    compose.add_argument("--sources", choices=["appendix", "separate", "none"], default="appendix",
                         help="素材来源清单：appendix 附在文末（默认）、separate 另存一个文件、none 不输出")
    compose.add_argument("--templates", type=Path, help="用户模板目录（同名文种覆盖内置模板；或环境变量 GONGWEN_TEMPLATES）")
    compose.add_argument("--list", action="store_true", help="列出可用的文种模板后退出")
    frame = compose.add_argument_group("版头与版记（GB/T 9704-2012，可选，只用于 .docx 与 .json）")
    frame.add_argument("--issuer", default="", help="发文机关标志，如“某县卫生健康局文件”（红色，居中）")
    frame.add_argument("--doc-number", default="", help="发文字号，如“某县卫发〔2026〕7号”")
    frame.add_argument("--signer", default="", help="签发人姓名（上行文：发文字号居左，签发人居右）")
    frame.add_argument("--copy-no", default="", help="份号（6 位阿拉伯数字，不足补 0）")
    frame.add_argument("--secrecy", default="", help="密级和保密期限，如“秘密★1年”")
    frame.add_argument("--urgency", default="", help="紧急程度：特急 或 加急")
    frame.add_argument("--attachment", action="append", default=[], help="附件名称（可多次给出，依次编号）")
    frame.add_argument("--cc", default="", help="抄送机关，如“县纪委监委，县委宣传部”")
    frame.add_argument("--printed-by", default="", help="印发机关，如“某县卫生健康局办公室”")
    frame.add_argument("--printed-on", default="", help="印发日期 YYYY-MM-DD")
    frame.add_argument("--no-seal", action="store_true", help="不加盖印章的署名版式（GB/T 9704-2012 7.3.5.2）")
    frame.add_argument("--letter", action="store_true", help="信函格式（GB/T 9704-2012 10.1）：发文机关标志距上页边 30 mm、红色双线")
    _index_arg(compose)
    compose.set_defaults(func=cmd_compose)

    evaluate = sub.add_parser("eval", help="检索效果评测（MRR@10、Recall@1/10、nDCG@10）", epilog=EPILOG_EVAL,
                              description="在四个评测集（CMRC 2018、标题→章节、STARD 法律问答、政策标题→文件）上比较"
                                          "各单路信号、RRF、等权融合与默认融合。偶数号查询调参，奇数号查询报告（留出）。",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("--set", choices=["cmrc", "headings", "stard", "policies", "all"], default="all",
                          help="评测集（默认全部）")
    evaluate.add_argument("--limit", type=int, help="每个评测集最多抽取的查询数")
    evaluate.add_argument("--tune", action="store_true",
                          help="在各集调参一半上按“最差情形”选融合参数（levels.Blend），并在留出一半上报告")
    evaluate.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                          help="共享数据目录（默认 ../shared）")
    evaluate.add_argument("--workdir", type=Path, default=Path("benchmarks/out/eval"), help="评测索引存放目录")
    evaluate.add_argument("--json", action="store_true", help="输出 JSON")
    _backend_args(evaluate)
    evaluate.set_defaults(func=cmd_eval)

    serve = sub.add_parser("serve", help="启动网页界面（检索、起草、语料库）", epilog=EPILOG_SERVE,
                           description="启动 Gradio 网页界面。默认只在本机（127.0.0.1）提供服务；绑定其他地址时必须设置认证。",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_arg(serve)
    serve.add_argument("--host", default="127.0.0.1", help="绑定地址（默认 127.0.0.1，仅本机）")
    serve.add_argument("--port", type=int, default=7860, help="端口（默认 7860）")
    serve.add_argument("--auth", help="认证“用户名:密码”（也可用环境变量 GONGWEN_AUTH）；非本机地址必须设置")
    serve.add_argument("--corpus", type=Path, help="索引为空时先入库的文件夹（默认随附的 corpus/）")
    serve.set_defaults(func=cmd_serve)

    doctor = sub.add_parser("doctor", help="检查运行环境与索引（出问题时先运行它）", epilog=EPILOG_DOCTOR,
                            description="检查 Python 与 torch、向量模型及其许可、LibreOffice（实际转换一页）、"
                                        "OCR 模型（断网加载）、中文字体、Milvus 地址（如已配置）、依赖版本，以及索引："
                                        "当前版本、数量、中断留下的临时目录、向量缓存大小、剩余磁盘。",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_arg(doctor)
    doctor.add_argument("--json", action="store_true", help="输出 JSON")
    doctor.add_argument("--quick", action="store_true", help="跳过 LibreOffice 转换测试")
    doctor.set_defaults(func=cmd_doctor)

    from assistant.norms.cli import add_parser as add_check_parser  # gongwen check

    add_check_parser(sub)
    return parser


def _version() -> str:
    from assistant import __version__

    return __version__


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant.doctor import exit_code, report_json, report_text, run_checks

    checks = run_checks(_settings(args), libreoffice=not args.quick)
    print(json.dumps(report_json(checks), ensure_ascii=False, indent=2) if args.json else report_text(checks))
    return exit_code(checks)


def _index_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, help="索引目录（默认 index/，或环境变量 GONGWEN_INDEX）")
    _backend_args(parser)


def _backend_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("检索后端（默认 embedded：本机文件，无需任何服务）")
    group.add_argument("--backend", choices=["embedded", "milvus"],
                       help="embedded（默认）或 milvus；也可设环境变量 GONGWEN_BACKEND")
    group.add_argument("--milvus-uri", help="Milvus 地址：文件路径 = Milvus Lite（默认 索引目录/milvus/milvus.db），"
                                            "http://主机:19530 = Milvus 服务；环境变量 GONGWEN_MILVUS_URI")
    group.add_argument("--milvus-token", help="Milvus 令牌（“用户:密码”或 API key；GONGWEN_MILVUS_TOKEN）")
    group.add_argument("--milvus-user", help="Milvus 用户名（GONGWEN_MILVUS_USER）")
    group.add_argument("--milvus-password", help="Milvus 密码（GONGWEN_MILVUS_PASSWORD）")
    group.add_argument("--milvus-prefix", help="集合名前缀（默认 gongwen_；GONGWEN_MILVUS_PREFIX）")
    group.add_argument("--milvus-index", choices=["FLAT", "IVF_FLAT", "HNSW"],
                       help="Milvus 向量索引类型（Lite 默认 FLAT，服务默认 HNSW；GONGWEN_MILVUS_INDEX）")


def _ocr_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-ocr", action="store_true",
                        help="不做 OCR（扫描件 PDF 与图片不识别；也可设环境变量 GONGWEN_NO_OCR=1）")


def _settings(args: argparse.Namespace):
    from assistant.config import settings_from_env

    return settings_from_env(index_dir=getattr(args, "index", None), model=getattr(args, "model", None),
                             user_dicts=tuple(args.user_dict) if getattr(args, "user_dict", None) else None,
                             ocr=False if getattr(args, "no_ocr", False) else None,
                             **{name: getattr(args, name, None) for name in (
                                 "backend", "milvus_uri", "milvus_token", "milvus_user", "milvus_password",
                                 "milvus_prefix", "milvus_index")})


def _read_options(args: argparse.Namespace):
    """Reading options (OCR switch, bounds, page cache in the index folder) for this command's settings."""
    from assistant.ingest import options

    return options.using(options.from_settings(_settings(args), progress=True))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


def cmd_parse(args: argparse.Namespace) -> int:
    path = Path(args.path)
    with _read_options(args):
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


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.search.ingest import ingest, print_progress
    from assistant.search.store import IndexError_

    if not args.paths:
        if not args.rebuild:
            return fail("请给出要入库的文件或文件夹（gongwen ingest --help 有示例）")
        return rebuild_stored(args)
    missing = [p for p in args.paths if not Path(p).exists()]
    for path in missing:
        print(f"错误：{path}：文件或文件夹不存在", file=sys.stderr)
    try:
        with _read_options(args):
            report = ingest([Path(p) for p in args.paths if Path(p).exists()], _settings(args),
                            sync=args.sync, rebuild=args.rebuild, progress=print_progress)
    except IndexError_ as err:
        return fail(str(err))
    for path, reason in report.failed:
        print(f"失败：{path}：{reason}", file=sys.stderr)
    for path, reason in report.warned:
        print(f"警告：{path}：{reason}", file=sys.stderr)
    print(report.summary())
    failed = bool(report.failed or missing)
    return 1 if failed and (args.strict or not (report.documents or report.unchanged)) else 0


def rebuild_stored(args: argparse.Namespace) -> int:
    from assistant.search.ingest import print_progress
    from assistant.search.migrate import rebuild_from_stored
    from assistant.search.store import IndexError_

    try:
        settings = _settings(args)
        if (settings.backend or "embedded") == "milvus":
            from assistant.search.backends.milvus_write import rebuild_from_stored as rebuild_milvus

            report = rebuild_milvus(settings, progress=print_progress)
        else:
            report = rebuild_from_stored(settings.index_dir, settings, progress=print_progress)
    except IndexError_ as err:
        return fail(str(err))
    print(report.summary())
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from assistant.search import segments, store
    from assistant.search.ingest import print_progress
    from assistant.search.migrate import live_generation, rebuild_from_stored

    settings = _settings(args)
    if (settings.backend or "embedded") == "milvus":
        print("Milvus 后端按文档写入，分段由 Milvus 自己合并，无需 compact。")
        return 0
    try:
        gen = live_generation(Path(settings.index_dir))
        if gen is None:
            return fail(f"{settings.index_dir} 中还没有索引；请先运行：gongwen ingest 文件或文件夹 --index {settings.index_dir}")
        manifest = store.read_manifest(gen)
        if not segments.is_segmented(manifest):
            print(f"索引 {settings.index_dir} 只有一个基础段（{gen.name}），无需合并。")
            return 0
        before = len(segments.segment_entries(manifest))
        report = rebuild_from_stored(settings.index_dir, settings, progress=print_progress)
    except store.IndexError_ as err:
        return fail(str(err))
    print(f"已合并 {before} 个分段：{report.summary()}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from assistant.search.ingest import remove
    from assistant.search.store import IndexError_

    try:
        gone, report = remove(args.targets, _settings(args))
    except IndexError_ as err:
        return fail(str(err))
    if not gone:
        return fail("没有找到匹配的文档：" + "、".join(args.targets))
    print(f"已移除 {len(gone)} 篇文档，索引剩余 {report.documents} 篇。")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.search.engine import SIGNALS, Filters, open_index
    from assistant.search.present import hit_json, hit_text
    from assistant.search.store import IndexError_

    if not args.query and not args.batch:
        return fail("请给出查询文本，或用 --batch 指定批量查询文件")
    settings = _settings(args)
    try:
        index = open_index(settings.index_dir, settings)
    except IndexError_ as err:
        return fail(str(err))
    filters = Filters(doctype=tuple(args.doctype) if args.doctype else None,
                      role=tuple(args.role) if args.role else None, year_from=args.year_from,
                      year_to=args.year_to, org=args.org, source=args.source)
    signals = SIGNALS if args.mode == "hybrid" else (args.mode,)
    if not index.backend.has_dense and "dense" in signals:
        print("提示：向量尚未算完（首次入库先发布了只含 BM25 的索引），本次只用词与二元组 BM25；"
              "入库完成后自动切换为混合检索。", file=sys.stderr)
    if args.batch:
        return run_batch(index, args.batch, args.k, filters, signals, args.unit)
    hits = index.search(args.query, k=args.k, filters=filters, signals=signals, unit=args.unit)
    if args.json:
        print(json.dumps({"query": args.query, "hits": [hit_json(h) for h in hits]}, ensure_ascii=False))
    elif not hits:
        from assistant.search.query import no_hits_hint

        print("没有找到匹配的段落。" + no_hits_hint(args.query))
    else:
        print("\n\n".join(hit_text(n, h) for n, h in enumerate(hits, 1)))
    return 0


def run_batch(index, path: Path, k: int, filters, signals, unit: str = "paragraph") -> int:
    """One output line per input line {"qid","query"}; a bad line is named and skipped."""
    from assistant.search.present import hit_json

    if not path.exists():
        return fail(f"{path}：文件不存在")
    bad = 0
    for no, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            qid, query = item["qid"], str(item["query"])
        except (ValueError, KeyError, TypeError):
            bad += 1
            print(f"错误：{path} 第 {no} 行不是有效的 {{\"qid\", \"query\"}} JSON，已跳过", file=sys.stderr)
            continue
        hits = index.search(query, k=k, filters=filters, signals=signals, unit=unit)
        print(json.dumps({"qid": qid, "hits": [hit_json(h, full=False) for h in hits]}, ensure_ascii=False), flush=True)
    return 1 if bad else 0


def cmd_compose(args: argparse.Namespace) -> int:
    import datetime as dt

    from assistant.compose import TemplateError, compose, load_templates
    from assistant.export import export, to_text
    from assistant.search.engine import open_index
    from assistant.search.store import IndexError_

    settings = _settings(args).with_(templates_dir=args.templates)
    problems: list[str] = []
    templates = load_templates(settings.templates_dir, on_error=problems.append)
    for problem in problems:
        print(f"警告：{problem}", file=sys.stderr)
    if args.list:
        for template in templates.values():
            aliases = "、".join(a for a in template.aliases if a != template.doctype)
            print(template.doctype + (f"（也可写作：{aliases}）" if aliases else ""))
        return 0
    if not args.doctype or not args.topic:
        return fail("请用 --doctype 给出文种、用 --topic 给出主题（gongwen compose --help 有示例）")
    if args.out and args.out.suffix.lower() not in (".docx", ".md", ".txt", ".json"):
        return fail(f"{args.out}：不支持的输出格式，请使用 .docx、.md、.txt 或 .json")
    if args.printed_on:
        from assistant.export.layout import format_date

        try:
            format_date(args.printed_on)
        except ValueError as err:
            return fail(f"--printed-on：{err}")
    keywords = [k.strip() for item in args.keywords for k in item.replace("，", ",").split(",") if k.strip()]
    try:
        index = open_index(settings.index_dir, settings)
        outline = compose(index, templates, args.doctype, args.topic, args.org, args.year or dt.date.today().year,
                          keywords=keywords, alternatives=args.alternatives)
    except (IndexError_, TemplateError, ValueError) as err:
        return fail(str(err))
    outline = _with_frame(outline, args)
    for gap_section in _gap_sections(outline.sections):  # thin sections say so (guidance is in the .json / 起草 page)
        hints = "；".join(gap_section.guidance)
        print(f"提示：“{gap_section.heading}”—{gap_section.gap}" + (f"写作提示：{hints}" if hints else ""),
              file=sys.stderr)
    if not args.out:
        print(to_text(outline))
        return 0
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        written = export(outline, args.out, sources=args.sources)
    except OSError as err:
        return fail(f"{args.out}：无法写入（{err.strerror or err}）")
    paragraphs = [p for section in outline.sections for p in _walk_paragraphs(section)]
    paragraphs += [*outline.opening, *outline.closing]
    review = sum(p.text.count("【待核实") for p in paragraphs)
    print(f"已生成《{outline.title}》：{len(outline.sections)} 节、{len(paragraphs)} 段，"
          f"待核实标记 {review} 处。")
    for path in written:
        print(f"已写入：{path}")
    return 0


def _with_frame(outline, args: argparse.Namespace):
    """The outline with the 版头/版记 given on the command line."""
    import dataclasses

    from assistant.models import Frame

    frame = Frame(copy_no=args.copy_no, secrecy=args.secrecy, urgency=args.urgency, issuer=args.issuer,
                  doc_number=args.doc_number, signer=args.signer, attachments=tuple(args.attachment),
                  cc=args.cc, printed_by=args.printed_by, printed_on=args.printed_on, sealed=not args.no_seal,
                  letter=args.letter)
    return dataclasses.replace(outline, frame=frame)


def _gap_sections(sections):
    for section in sections:
        if section.gap:
            yield section
        yield from _gap_sections(section.subsections)


def _walk_paragraphs(section):
    yield from section.paragraphs
    for child in section.subsections:
        yield from _walk_paragraphs(child)


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.search import eval_run
    from assistant.search.ingest import print_progress

    names = list(eval_run.BUILDERS) if args.set == "all" else [args.set]
    results = eval_run.run(names, args.shared, args.workdir, _settings(args), tune=args.tune, limit=args.limit,
                           progress=print_progress)
    for result in results:
        print(json.dumps(result, ensure_ascii=False) if args.json else eval_run.as_text(result, _pad), flush=True)
    return 0


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 1)


def fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from assistant.search import store
    from assistant.search.ingest import has_index, ingest, print_progress
    from assistant.ui import is_loopback, launch, parse_auth
    from assistant.ui.service import Service

    try:
        auth = parse_auth(args.auth or os.environ.get("GONGWEN_AUTH"))
    except ValueError as err:
        return fail(str(err))
    if not is_loopback(args.host) and auth is None:
        return fail(f"拒绝在 {args.host} 上无认证地提供服务：局域网内的其他电脑将能看到全部公文。"
                    f"请加上 --auth 用户名:密码（或设置环境变量 GONGWEN_AUTH），或去掉 --host 只在本机使用。")
    settings = _settings(args)
    try:
        if not has_index(settings):
            corpus = args.corpus or settings.corpus_dir
            print(f"索引 {settings.index_dir} 为空，正在把 {corpus} 入库（首次启动需要几分钟）……", file=sys.stderr)
            report = ingest([corpus], settings, progress=print_progress)
            for path, reason in report.failed:
                print(f"失败：{path}：{reason}", file=sys.stderr)
            print(report.summary(), file=sys.stderr)
    except store.IndexError_ as err:
        return fail(str(err))
    print(f"界面地址：http://{args.host}:{args.port}（按 Ctrl+C 退出）", file=sys.stderr)
    try:
        launch(Service(settings), host=args.host, port=args.port, auth=auth)
    except OSError as err:
        return fail(f"无法在 {args.host}:{args.port} 启动：{err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
