"""The foundation layer: building blocks every other layer may use, importing nothing above them.

color.py    sRGB <-> CIELAB, CIEDE2000, k-means in Lab (eval's palette metrics, the flattener, harmonization)
flow.py     OpenCV DIS optical flow, backward warping, occlusion masks (eval, review, latent chains)
device.py   the one --device / --dtype resolver (the diffusion pipeline and the ISNet mask networks)

io/, options.py, errors.py and extras.py are foundation modules too; they stay at the package top level as
public import paths. Import the submodules directly: nothing heavy is imported here.
"""
