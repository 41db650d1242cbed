"""The interfaces people and programs use: the command line (`cli`, with `terminal` for its
console and error edge) and the Gradio web app (`web/`: `layout` builds and wires the widgets,
`handlers` holds per-user state and answers events, `render` turns answers into HTML and
Markdown, `eval_view` shows the latest eval run).

The top of the import graph: may import `answering`, `index`, `evaluation` and the core
modules; nothing imports it.
"""
