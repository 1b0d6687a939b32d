#!/usr/bin/env bash
# Fetches real scans shipped inside public packages, for the accuracy suite (never committed):
#   - the ocrmypdf 16.0.0 source distribution from PyPI (sha256-pinned), tests/resources:
#     linn.png (a real 300-dpi scan), typewriter.png, skew.pdf (linn.png placed with a page
#     matrix that turns it by atan2(-19.9187622, 611.6731567) = -1.865°), cardinal.pdf (linn.png
#     at the four quarter turns), the PDFs rendered at 300 dpi with pdftoppm;
#   - Debian's opencv-doc: text_defocus.jpg, text_motion.jpg, licenseplate_motion.jpg, real
#     out-of-focus and motion-blurred photos.
# Writes DIR (default fixtures/external) with labels.json holding the ground truth; does nothing
# when DIR/labels.json exists. Needs curl, pdftoppm (poppler-utils), apt-get and dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-fixtures/external}
[ -f "$dir/labels.json" ] && exit 0

url=https://files.pythonhosted.org/packages/17/dc/58fccf4af11a0289249f7fd23db757aa6bdea71cc56c8a593edd9e1f3fef/ocrmypdf-16.0.0.tar.gz
sha=7f893d9a79498119ba5ee80f983e1cdfb786de9bbc91dadbaee3b8e081413ef1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
mkdir -p "$out"

curl -fsSL --retry 3 -o "$tmp/ocrmypdf.tar.gz" "$url"
echo "$sha  $tmp/ocrmypdf.tar.gz" | sha256sum -c --quiet
res=ocrmypdf-16.0.0/tests/resources
tar xzf "$tmp/ocrmypdf.tar.gz" -C "$tmp" "$res/linn.png" "$res/typewriter.png" "$res/skew.pdf" "$res/cardinal.pdf"
cp "$tmp/$res/linn.png" "$tmp/$res/typewriter.png" "$out/"
pdftoppm -r 300 -png "$tmp/$res/skew.pdf" "$out/skew"
pdftoppm -r 300 -png "$tmp/$res/cardinal.pdf" "$out/cardinal"

if ! (cd "$tmp" && apt-get download opencv-doc >/dev/null 2>&1); then
  # No package lists yet on a fresh machine.
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
  (cd "$tmp" && apt-get download opencv-doc >/dev/null)
fi
data=./usr/share/doc/opencv-doc/examples/data
dpkg-deb --fsys-tarfile "$tmp"/opencv-doc_*.deb |
  tar x -C "$tmp" "$data/text_defocus.jpg" "$data/text_motion.jpg" "$data/licenseplate_motion.jpg"
cp "$tmp/$data/text_defocus.jpg" "$tmp/$data/text_motion.jpg" "$tmp/$data/licenseplate_motion.jpg" "$out/"

# orientation: how far the content is turned counter-clockwise (cardinal.pdf's pages, checked by
# eye); skew_deg: counter-clockwise positive, from skew.pdf's page matrix; sharp: scan vs photo.
cat > "$out/labels.json" <<'JSON'
{
  "source": "ocrmypdf-16.0.0 sdist tests/resources (PyPI, sha256-pinned); Debian opencv-doc examples/data",
  "images": [
    { "file": "linn.png", "orientation": 0, "sharp": true },
    { "file": "typewriter.png", "orientation": 0, "sharp": true },
    { "file": "skew-1.png", "orientation": 0, "skew_deg": -1.865, "sharp": true },
    { "file": "cardinal-1.png", "orientation": 0, "sharp": true },
    { "file": "cardinal-2.png", "orientation": 270, "sharp": true },
    { "file": "cardinal-3.png", "orientation": 180, "sharp": true },
    { "file": "cardinal-4.png", "orientation": 90, "sharp": true },
    { "file": "text_defocus.jpg", "sharp": false },
    { "file": "text_motion.jpg", "sharp": false },
    { "file": "licenseplate_motion.jpg", "sharp": false }
  ]
}
JSON
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$out" "$dir"
echo "real images in $dir"
