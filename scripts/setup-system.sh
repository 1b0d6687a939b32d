#!/usr/bin/env bash
# Installs the Debian packages sealdesk needs, and nothing when they are already there.
#   scripts/setup-system.sh build   what building and running needs (a C compiler and linker,
#                                   Tesseract and Leptonica with libclang for their bindings,
#                                   the eng and chi_sim language data, and the fonts the scan
#                                   generator draws with: `serve --demo` makes demo scans)
#   scripts/setup-system.sh test    that, plus what the test suite runs against (PostgreSQL,
#                                   headless Chromium and its WebDriver, curl and pdftoppm for
#                                   scripts/fetch-real-images.sh, Python with aiosmtpd for the
#                                   SMTP server and SMS-gateway stand-in of tests/support/)
set -euo pipefail

profile=${1:-build}
build_pkgs=(gcc libc6-dev pkg-config ca-certificates libclang-dev libtesseract-dev libleptonica-dev
  tesseract-ocr-eng tesseract-ocr-chi-sim fonts-noto-cjk fonts-dejavu-core fonts-ocr-b)
test_pkgs=(postgresql-15 procps chromium chromium-driver curl poppler-utils python3 python3-aiosmtpd)

case "$profile" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "sealdesk setup: missing Debian packages: ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi
echo "sealdesk setup: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
