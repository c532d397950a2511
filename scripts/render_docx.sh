#!/usr/bin/env bash
# Render a .docx to PDF and one PNG per page, to look at an exported 公文 by eye.
#
#   bash scripts/render_docx.sh 报告.docx            # → 报告.pdf, 报告-1.png, 报告-2.png … beside it
#   bash scripts/render_docx.sh 报告.docx out/ 80    # output folder, resolution in dpi (default 100)
#
# Needs LibreOffice Writer (soffice) and poppler (pdftoppm). On Debian/Ubuntu, as root:
#   apt-get update && apt-get install -y --no-install-recommends \
#       libreoffice-writer poppler-utils fonts-noto-cjk fonts-arphic-ukai
#
# The GB/T 9704 fonts (仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体, 宋体) are commercial and
# usually absent on Linux. So the rendering shows the layout (page, margins, grid, indents,
# alignment, page numbers) faithfully, but with stand-in glyphs: this script maps each name
# to a free font of the same kind (宋/仿宋 → Noto Serif CJK, 黑体 → Noto Sans CJK,
# 楷体 → AR PL UKai) through a private fontconfig file; nothing system-wide is changed.
#
# LibreOffice (7.x) cannot squeeze 16 pt characters into the 15.79 pt cells of the
# 28-character grid the way Word and WPS do (28 × 16 pt = 158 mm > 156 mm): it gives every
# character two cells, about 14 characters a line. So a temporary copy is rendered with a
# line grid only and characters condensed by 0.3 pt, which shows Word's 28 characters per
# line. The .docx itself is not changed. Set RENDER_AS_IS=1 to render it untouched.
# Blank pages LibreOffice inserts (an even-page section break before the 版记) are kept in the
# PDF, as they would be printed (IsSkipEmptyPages=false).
# Not needed by the test suite.
set -euo pipefail

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 && -f "$1" ]] || usage
DOCX="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
OUT="${2:-$(dirname "$DOCX")}"
DPI="${3:-100}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

missing=()
command -v soffice >/dev/null || missing+=(libreoffice-writer)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v python3 >/dev/null || missing+=(python3)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "render_docx.sh: missing ${missing[*]}. Install (as root):" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]} fonts-noto-cjk fonts-arphic-ukai" >&2
    exit 1
fi
if ! fc-list :lang=zh family | grep -q .; then
    echo "render_docx.sh: no Chinese font installed; text will show as boxes." >&2
    echo "  apt-get install -y fonts-noto-cjk fonts-arphic-ukai" >&2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

alias_xml() {  # <font name> <stand-in family>
    printf '  <alias binding="same"><family>%s</family><prefer><family>%s</family></prefer></alias>\n' "$1" "$2"
}
{
    echo '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
    echo '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
    for name in 仿宋_GB2312 仿宋 FangSong 宋体 SimSun 方正小标宋简体 方正小标宋_GBK; do
        alias_xml "$name" "Noto Serif CJK SC"
    done
    for name in 黑体 SimHei; do alias_xml "$name" "Noto Sans CJK SC"; done
    for name in 楷体_GB2312 楷体 KaiTi; do alias_xml "$name" "AR PL UKai CN"; done
    echo '</fontconfig>'
} >"$WORK/fonts.conf"
export FONTCONFIG_FILE="$WORK/fonts.conf"

SRC="$DOCX"
if [[ "${RENDER_AS_IS:-0}" != 1 ]]; then
    SRC="$WORK/$(basename "$DOCX")"
    python3 - "$DOCX" "$SRC" <<'PYEOF'
import re, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "word/styles.xml":  # condense every run by 0.3 pt (6 twips)
            text = data.decode("utf-8")
            m = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", text, re.S)
            if m:
                block = re.sub(r"(<w:sz\b)", r'<w:spacing w:val="-6"/>\1', m.group(0), count=1)
                text = text[:m.start()] + block + text[m.end():]
            data = text.encode("utf-8")
        elif item.filename == "word/document.xml":  # character grid → line grid
            data = data.replace(b'w:type="linesAndChars"', b'w:type="lines"')
        zout.writestr(item, data)
PYEOF
fi

# A private LibreOffice profile: works as root, alongside a running LibreOffice, and leaves
# the user's own profile alone.
soffice --headless -env:UserInstallation="file://$WORK/profile" \
    --convert-to 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}' \
    --outdir "$OUT" "$SRC" >"$WORK/soffice.log" 2>&1 || {
    cat "$WORK/soffice.log" >&2
    exit 1
}
STEM="$(basename "${DOCX%.*}")"
PDF="$OUT/$STEM.pdf"
[[ -f "$PDF" ]] || { cat "$WORK/soffice.log" >&2; echo "render_docx.sh: no PDF produced" >&2; exit 1; }
pdftoppm -png -r "$DPI" "$PDF" "$OUT/$STEM"
ls "$OUT/$STEM".pdf "$OUT/$STEM"-*.png
