"""The bottom layer for text, which grounding, scoring and the graph all use: sentences as the
guards and the metrics read them (`sentences`), and sentence embeddings (`embedding`). It imports
nothing else of multiplex."""
