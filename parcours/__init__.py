"""parcours: a server for 3D heritage tours and interactive trails.

It catalogues the UNESCO mining-basin sites of La Porte du Hainaut, and serves their content
in several languages to phones, museum pages and curators.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
