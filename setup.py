"""Package list for setuptools: client/ and ui/ install as kittiwake.client and kittiwake.ui.

Metadata lives in pyproject.toml; only the mapped package list needs code, because
setuptools cannot discover packages under a renamed directory by itself.
"""

from setuptools import find_packages, setup


def mapped(prefix: str, where: str) -> list[str]:
    return [prefix] + [f"{prefix}.{name}" for name in find_packages(where)]


setup(
    packages=mapped("kittiwake.client", "client")
    + mapped("kittiwake.ui", "ui")
    + ["kittiwake.resources"],
    package_data={"kittiwake.resources": ["**/*"]},
)
