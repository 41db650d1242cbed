"""The index stage: from papers files to something that can be searched.

Owns the corpus readers (`corpus`), chunking (`chunking`), ingest (`ingest`), the index on disk
(`paper_index`: paper records, chunks, BM25, manifest), the Chroma store (`store`: embedded or a
server), the abstract sentence vectors stored at ingest (`sentences`) and the paper-level
retriever that fuses dense and BM25 rankings (`retriever`).

May import the core modules (`config`, `types`, `errors`, `text`, `providers`) and nothing
above it: `answering`, `interfaces` and `evaluation` import this package, never the reverse.
"""
