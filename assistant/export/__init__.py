"""Export a drafted outline: Word (.docx laid out per GB/T 9704-2012), Markdown, plain text, JSON.

    from assistant.export import export
    export(outline, "报告.docx")                      # 附：素材来源 page after the signature
    export(outline, "报告.md", sources="separate")     # also writes 报告_素材来源.md

Modules: layout (outline → ordered blocks, numbering, dates) · docx / docx_xml (Word) ·
text (Markdown, text) · sources (素材来源 list) · outline_json (save/reopen) · paths (file names).
"""

from assistant.export.dispatch import SUFFIXES, export
from assistant.export.docx import write_docx
from assistant.export.layout import cn_numeral, format_date, heading_number
from assistant.export.outline_json import (OutlineFormatError, outline_from_dict, outline_from_json,
                                           outline_to_dict, outline_to_json, write_outline_json)
from assistant.export.paths import safe_filename, sources_path
from assistant.export.sources import SOURCE_MODES, sources_markdown
from assistant.export.text import to_markdown, to_text, write_text_file

__all__ = [
    "SOURCE_MODES", "SUFFIXES", "OutlineFormatError", "cn_numeral", "export", "format_date",
    "heading_number", "outline_from_dict", "outline_from_json", "outline_to_dict",
    "outline_to_json", "safe_filename", "sources_markdown", "sources_path", "to_markdown",
    "to_text", "write_docx", "write_outline_json", "write_text_file",
]
