"""The answering stage: from a question (and the conversation so far) to a checked `Answer`.

Owns the `Assistant` that wires a question through the stages (`assistant`), follow-ups
(`conversation`), the decision whether the collection answers at all (`relevance`), offline
extractive answers (`extractive`), the answer engine that refuses, extracts or generates
(`engine`), citation markers (`citations`), per-sentence support checks (`support`),
summaries (`summaries`) and the answer-time sentence vectors (`sentence_bank`).

May import `paperlens.index` and the core modules; never `interfaces` or `evaluation`.
"""
