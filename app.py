"""Start the web UI on the default index (builds it from corpus/ on first start).

    python app.py            # same as: gongwen serve
"""

from assistant.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
