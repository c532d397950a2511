"""公文 norms checker: rule families for 发文字号, dates, numbers, punctuation, 层次序数, misused
words and structure (GB/T 9704, GB/T 15834, GB/T 15835), each finding explained and, where the
fix is mechanical, fixable. No model, offline."""

from assistant.norms.checker import FAMILIES, check_document, check_file, check_text
from assistant.norms.document import CheckDocument, from_text, read_documents
from assistant.norms.finding import ADVICE, ERROR, Finding
from assistant.norms.fix import fix_text, fixed_paragraphs, write_fixed
from assistant.norms.report import report_json, report_text
from assistant.norms.words import WordListError

__all__ = ["ADVICE", "ERROR", "FAMILIES", "CheckDocument", "Finding", "WordListError", "check_document",
           "check_file", "check_text", "fix_text", "fixed_paragraphs", "from_text", "read_documents",
           "report_json", "report_text", "write_fixed"]
