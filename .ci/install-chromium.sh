#!/bin/sh
# Install Debian's Chromium for the review report's real-browser test (tests/review/test_browser.py).
# Never fails the CI run: without Chromium that test skips with a reason.
if [ -x /usr/bin/chromium ]; then
    echo "install-chromium: /usr/bin/chromium present"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-chromium: not root and no sudo; the browser test will skip"
        exit 0
    fi
fi
if $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium chromium-driver; then
    echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null)"
else
    echo "install-chromium: apt-get failed; the browser test will skip"
fi
exit 0
