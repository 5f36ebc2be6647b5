#!/usr/bin/env python3
"""Derives the Windows and macOS icons from assets/lathe.png (the 256-pixel rendering of LatheIcon).

assets/lathe.ico  - 16 to 256 pixels, for the MSI, the launcher and the Start-menu entry
assets/lathe.icns - 16 to 256 pixels (PNG entries, with their @2x twins), for the .app and the .dmg

Needs ImageMagick's `convert` for the downscaling; the ICNS container is written here because ImageMagick
cannot write it. Run from anywhere: python3 installers/make-icons.py
"""
import pathlib
import struct
import subprocess
import tempfile

ASSETS = pathlib.Path(__file__).resolve().parent.parent / "assets"
SOURCE = ASSETS / "lathe.png"
# ICNS element types holding PNG data, by pixel size (ic11-ic13 are the Retina twins of 16, 32 and 128 points).
ICNS_TYPES = [(b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
              (b"ic07", 128), (b"ic08", 256), (b"ic13", 256)]


def resized(size: int, folder: pathlib.Path) -> bytes:
    if size == 256:
        return SOURCE.read_bytes()
    out = folder / f"lathe-{size}.png"
    subprocess.run(["convert", str(SOURCE), "-filter", "Lanczos", "-resize", f"{size}x{size}",
                    "-define", "png:exclude-chunks=date,time", str(out)], check=True)
    return out.read_bytes()


def main() -> None:
    subprocess.run(["convert", str(SOURCE), "-define", "icon:auto-resize=256,128,64,48,32,24,16",
                    str(ASSETS / "lathe.ico")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        pngs = {size: resized(size, folder) for size in sorted({s for _, s in ICNS_TYPES})}
        body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    (ASSETS / "lathe.icns").write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


if __name__ == "__main__":
    main()
