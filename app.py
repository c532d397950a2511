"""Start the web UI on the default index (builds it from corpus/ on first start).

    python app.py [--port 8080] [--index DIR] ...     # same as: gongwen serve [...]
"""

import sys

from assistant.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
