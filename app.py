"""Start the paperlens web app: `python app.py` (the same as `paperlens app`).

Serves on 127.0.0.1:7860 by default (PAPERLENS_APP_HOST / PAPERLENS_APP_PORT), builds the index on
the first run, and answers in extractive mode until an LLM is configured (PAPERLENS_LLM_PROVIDER).
"""

from __future__ import annotations

import logging
import sys

from paperlens import offline


def main() -> int:
    offline.apply_to_process()  # before Gradio and the model libraries are imported
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
