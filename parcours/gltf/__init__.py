"""glTF: the safety gate, the reference validator, facts, phone variants and the model kit.

Nothing here is imported by the serving path: `parcours build` writes variants and a manifest,
and the server reads the manifest.
"""
