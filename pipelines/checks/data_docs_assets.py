"""The scripts, styles and fonts GX's Data Docs pages pull from public CDNs, kept on this machine.

GX's page templates load bootstrap, jquery, popper, bootstrap-table, bootstrap-datepicker,
vega/vega-lite/vega-embed and font-awesome from jsdelivr, unpkg, cdnjs and the like. A closed
government network reaches none of them, so the same files come from their npm packages, fetched
once at set-up (`make` runs `python -m pipelines.checks.data_docs assets`): each tarball is pinned
by version and checked against the registry's published SHA-512 before anything is unpacked.
npm is where these projects publish their builds (the CDNs serve the same files: the two
Subresource Integrity hashes GX's templates carry match the npm copies), and a pinned tarball plus
its hash is the least there is to trust.

The files land in the environment (`<sys.prefix>/share/workplan/data_docs_assets/`), beside the
installed packages, so every deployment of the environment finds them and each Data Docs site
gets a copy under `static/vendor/` (`pipelines/checks/data_docs.py`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ASSETS_ROOT = Path(sys.prefix) / "share" / "workplan" / "data_docs_assets"
REGISTRY = "https://registry.npmjs.org"
DOWNLOAD_SECONDS = 120
VERSIONS = "versions.txt"


@dataclass(frozen=True)
class Package:
    """One npm tarball: what to keep from it, and the CDN URLs its files stand in for."""

    name: str
    version: str
    integrity: str
    # Paths inside the tarball's `package/` folder (a trailing slash keeps a whole folder).
    keep: tuple[str, ...]
    # CDN URL in GX's templates -> the kept file that replaces it.
    replaces: tuple[tuple[str, str], ...]

    @property
    def folder(self) -> str:
        return self.name.split("/")[-1]

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.folder}-{self.version}.tgz"


# Versions: the ones GX 1.24's templates name; where they name a major only (vega@5, vega-lite@5,
# vega-embed@6), the newest release of that major on 2026-12-01.
PACKAGES = (
    Package(
        "vega",
        "5.33.1",
        "sha512-1fArfVDUqVbb5z8n+/nVQb+VNBzx8svY6CrsyTK4Ujm4yrd9I1auoKxBAPXLCavY1LcrbHUskQbGUP8gXOzyQw==",
        ("build/vega.min.js",),
        (("https://cdn.jsdelivr.net/npm/vega@5", "build/vega.min.js"),),
    ),
    Package(
        "vega-lite",
        "5.23.0",
        "sha512-l4J6+AWE3DIjvovEoHl2LdtCUkfm4zs8Xxx7INwZEAv+XVb6kR6vIN1gt3t2gN2gs/y4DYTs/RPoTeYAuEg6mA==",
        ("build/vega-lite.min.js",),
        (("https://cdn.jsdelivr.net/npm/vega-lite@5", "build/vega-lite.min.js"),),
    ),
    Package(
        "vega-embed",
        "6.29.0",
        "sha512-PmlshTLtLFLgWtF/b23T1OwX53AugJ9RZ3qPE2c01VFAbgt3/GSNI/etzA/GzdrkceXFma+FDHNXUppKuM0U6Q==",
        ("build/vega-embed.min.js",),
        (("https://cdn.jsdelivr.net/npm/vega-embed@6", "build/vega-embed.min.js"),),
    ),
    Package(
        "@fortawesome/fontawesome-free",
        "6.6.0",
        "sha512-60G28ke/sXdtS9KZCpZSHHkCbdsOGEhIUGlwq6yhY74UpTiToIh8np7A8yphhM4BWsvNFtIvLpi4co+h9Mr9Ow==",
        ("css/all.min.css", "webfonts/"),
        (
            (
                "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
                "css/all.min.css",
            ),
        ),
    ),
    Package(
        "jquery",
        "3.7.1",
        "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
        ("dist/jquery.min.js",),
        (("https://code.jquery.com/jquery-3.7.1.min.js", "dist/jquery.min.js"),),
    ),
    Package(
        "popper.js",
        "1.12.9",
        "sha512-s0EEi9xiSCdqz9lV4IiVH5yIZnDX/U1t0tCjB+0jXx9jW8lrR7kOpVupiUg175ogqVoudpDXHF1p6dKATCHMeg==",
        ("dist/umd/popper.min.js",),
        (
            (
                "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
                "dist/umd/popper.min.js",
            ),
        ),
    ),
    Package(
        "bootstrap",
        "4.3.1",
        "sha512-rXqOmH1VilAt2DyPzluTi2blhk17bO7ef+zLLPlWvG494pDxcM234pJ8wTc/6R40UWizAIIMgxjvxZg5kmsbag==",
        ("dist/css/bootstrap.min.css", "dist/js/bootstrap.min.js"),
        (
            (
                "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
                "dist/css/bootstrap.min.css",
            ),
            (
                "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
                "dist/js/bootstrap.min.js",
            ),
        ),
    ),
    Package(
        "bootstrap-table",
        "1.19.1",
        "sha512-WvV+l1AI/C+zThaKmfHmi/IuayVNB0qdFyEhFx1jyZhO0oLtNJNANkCR3rvJf6Dkh72dsLElxpE/bzK9seEQLA==",
        (
            "dist/bootstrap-table.min.css",
            "dist/bootstrap-table.min.js",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
            "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        ),
        (
            (
                "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
                "dist/bootstrap-table.min.css",
            ),
            (
                "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
                "dist/bootstrap-table.min.js",
            ),
            # The templates name 1.19.0 for this stylesheet; 1.19.1 is the same extension.
            (
                "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
                "bootstrap-table-filter-control.css",
                "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
            ),
            (
                "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
                "bootstrap-table-filter-control.min.css",
                "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
            ),
            (
                "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
                "bootstrap-table-filter-control.min.js",
                "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
            ),
        ),
    ),
    Package(
        "bootstrap-datepicker",
        "1.9.0",
        "sha512-9rYYbaVOheGYxjOr/+bJCmRPihfy+LkLSg4fIFMT9Od8WwWB/MB50w0JO1eBgKUMbb7PFHQD5uAfI3ArAxZRXA==",
        ("dist/css/bootstrap-datepicker.min.css", "dist/js/bootstrap-datepicker.min.js"),
        (
            (
                "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
                "bootstrap-datepicker.min.css",
                "dist/css/bootstrap-datepicker.min.css",
            ),
            (
                "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
                "bootstrap-datepicker.min.js",
                "dist/js/bootstrap-datepicker.min.js",
            ),
        ),
    ),
    Package(
        "@forevolve/bootstrap-dark",
        "1.1.0",
        "sha512-A3ucpEpxPoTVO490lZZCfjPXxv832l7mm1IxX3bXyxvgwnPGXDLyh7dWrphXKO8YBAu3EswbBEu3VSW8NRMW3A==",
        ("dist/css/bootstrap-prefers-dark.css",),
        (
            (
                "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
                "bootstrap-prefers-dark.css",
                "dist/css/bootstrap-prefers-dark.css",
            ),
        ),
    ),
)


def local_path(package: Package, path: str) -> str:
    """Where a kept file sits, relative to the assets folder (and to a site's static/vendor/)."""
    return f"{package.folder}/{path}"


def replacements() -> dict[str, str]:
    """Every CDN URL GX's templates use -> the kept file, relative to the assets folder."""
    return {url: local_path(p, path) for p in PACKAGES for url, path in p.replaces}


def pinned() -> str:
    """The packages and versions this code pins, as the assets folder records them."""
    return "".join(f"{p.name}@{p.version} {p.integrity}\n" for p in PACKAGES)


def installed(root: Path = ASSETS_ROOT) -> bool:
    """`root` holds the pinned versions (a changed pin fetches again) and every file needed."""
    record = root / VERSIONS
    return (
        record.is_file()
        and record.read_text(encoding="utf-8") == pinned()
        and all((root / local_path(p, path)).is_file() for p in PACKAGES for _, path in p.replaces)
    )


def verified(package: Package, data: bytes) -> bytes:
    """The tarball's bytes, once they match the registry's published SHA-512."""
    algorithm, _, expected = package.integrity.partition("-")
    found = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if found != expected:
        raise RuntimeError(
            f"{package.tarball}: {algorithm} is {found}, not the pinned {expected}; not unpacked"
        )
    return data


def unpack(package: Package, data: bytes, root: Path) -> None:
    """Keep the package's listed files under `root/<package folder>/`."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            inner = member.name.removeprefix("package/")
            wanted = any(
                inner == kept or (kept.endswith("/") and inner.startswith(kept))
                for kept in package.keep
            )
            if not member.isfile() or not wanted or ".." in Path(inner).parts:
                continue
            target = root / local_path(package, inner)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None  # a regular file always has content
            target.write_bytes(source.read())


def fetch(root: Path = ASSETS_ROOT, log=print) -> Path:
    """Download, verify and unpack every package not already in `root` (set-up time only)."""
    if installed(root):
        log(f"Data Docs assets already in {root}")
        return root
    partial = root.with_name(root.name + ".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(partial, ignore_errors=True)
    for package in PACKAGES:
        log(f"Fetching {package.name}@{package.version} for offline Data Docs")
        with urllib.request.urlopen(package.tarball, timeout=DOWNLOAD_SECONDS) as response:  # noqa: S310 - the pinned npm registry URL
            unpack(package, verified(package, response.read()), partial)
    (partial / VERSIONS).write_text(pinned(), encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    partial.replace(root)
    return root
