"""Start the paperlens web app: `python app.py` (the same as `paperlens app`).

Serves on 127.0.0.1:7860 by default (PAPERLENS_APP_HOST / PAPERLENS_APP_PORT), builds the index on
the first run, and answers in extractive mode until an LLM is configured (PAPERLENS_LLM_PROVIDER).
"""

from __future__ import annotations

import logging
import os
import sys

# Before Gradio is imported: no analytics, no model downloads.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> int:
    from paperlens.config import load_settings
    from paperlens.errors import PaperlensError
    from paperlens.interfaces.web.layout import launch

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("paperlens").setLevel(logging.INFO)
    try:
        settings = load_settings()
    except PaperlensError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    launch(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
