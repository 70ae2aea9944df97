#!/bin/sh
# Local pipeline steps run inside a bubblewrap (bwrap) sandbox, and never without one. This installs bubblewrap
# when it is missing and it can: as root, with apt-get. It never fails (npm install runs it as postinstall);
# when it cannot install, it says so in one line. FLOE_SKIP_SANDBOX_SETUP=1 skips it.

note() { echo "setup-sandbox: $*"; }

if [ "${FLOE_SKIP_SANDBOX_SETUP:-}" = 1 ]; then
  exit 0
fi

if ! command -v bwrap >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    note "bubblewrap (bwrap) is missing and there is no apt-get here; install bubblewrap with your package manager to run pipeline steps locally"
    exit 0
  fi
  if [ "$(id -u)" != 0 ]; then
    note "bubblewrap (bwrap) is missing; install it as root (apt-get install bubblewrap) to run pipeline steps locally"
    exit 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  if apt-get install -y -q bubblewrap >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q bubblewrap >/dev/null 2>&1; }; then
    note "installed bubblewrap"
  else
    note "could not install bubblewrap (apt-get install bubblewrap failed); pipeline steps cannot run locally without it"
    exit 0
  fi
fi

# Installed, but does it run here? (It needs root or unprivileged user namespaces.)
if ! bwrap --ro-bind / / --proc /proc --dev /dev --unshare-pid true >/dev/null 2>&1; then
  note "bubblewrap (bwrap) is installed but cannot create a sandbox here (it needs root or unprivileged user namespaces); pipeline steps cannot run locally"
fi
exit 0
