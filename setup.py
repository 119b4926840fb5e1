"""Ships the top-level kernels/ folder inside the wheel as the package data autograd_gpu/_kernels.

pyproject.toml holds all metadata; this file only exists because a top-level data folder mapped
into the package cannot be combined with automatic package discovery in pyproject.toml alone.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["autograd_gpu", "autograd_gpu.*"]) + ["autograd_gpu._kernels"],
    package_dir={"autograd_gpu._kernels": "kernels"},
    package_data={"autograd_gpu._kernels": ["*.cu", "*.cuh"]},
)
