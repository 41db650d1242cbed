"""The Gradio web app: `layout` (widgets, wiring, launch), `handlers` (per-user state and
events), `render` (answers and sources as HTML), `eval_view` (the latest eval run)."""
