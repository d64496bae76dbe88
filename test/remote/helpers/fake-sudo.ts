import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/*
 * A stand-in for sudo(8), for machines without it. It models only what the
 * wrapper relies on: -n fails when a password is needed; -S reads the password
 * one line at a time from stdin, up to 3 tries; cached credentials skip the
 * password unless -k; the command inherits whatever stdin is left.
 * Driven by FAKE_SUDO_POLICY (password|nopasswd|denied), FAKE_SUDO_PASSWORD,
 * FAKE_SUDO_CACHED=1; logs calls and password attempts (never the password) to FAKE_SUDO_LOG.
 */
const SCRIPT = `#!/bin/sh
nonint=0; ignorecache=0; stdinpw=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) nonint=1; shift;;
    -k) ignorecache=1; shift;;
    -S) stdinpw=1; shift;;
    -p) shift 2;;
    --) shift; break;;
    -*) echo "fake sudo: unsupported option $1" >&2; exit 64;;
    *) break;;
  esac
done
echo "call $*" >> "$FAKE_SUDO_LOG"
needpw=1
[ "$FAKE_SUDO_POLICY" = nopasswd ] && needpw=0
[ "$FAKE_SUDO_CACHED" = 1 ] && [ $ignorecache = 0 ] && needpw=0
if [ $needpw = 1 ]; then
  if [ $nonint = 1 ]; then echo "sudo: a password is required" >&2; exit 1; fi
  if [ $stdinpw = 0 ]; then echo "sudo: a terminal is required to read the password" >&2; exit 1; fi
  tries=0
  while :; do
    if ! IFS= read -r pw; then echo "sudo: no password was provided" >&2; exit 1; fi
    tries=$((tries + 1))
    echo "attempt" >> "$FAKE_SUDO_LOG"
    [ "$pw" = "$FAKE_SUDO_PASSWORD" ] && break
    echo "Sorry, try again." >&2
    if [ $tries -ge 3 ]; then echo "sudo: 3 incorrect password attempts" >&2; exit 1; fi
  done
fi
if [ "$FAKE_SUDO_POLICY" = denied ]; then echo "user is not in the sudoers file.  This incident will be reported." >&2; exit 1; fi
exec "$@"
`;

/** Writes `sudo` (and an `id` claiming uid 1000) into `dir`/sudo-bin and `dir`/id-bin. */
export function installFakeSudo(dir: string): { sudoBin: string; idBin: string } {
  const sudoBin = join(dir, "sudo-bin");
  const idBin = join(dir, "id-bin");
  mkdirSync(sudoBin, { recursive: true });
  mkdirSync(idBin, { recursive: true });
  writeFileSync(join(sudoBin, "sudo"), SCRIPT);
  chmodSync(join(sudoBin, "sudo"), 0o755);
  writeFileSync(join(idBin, "id"), `#!/bin/sh\n[ "$1" = -u ] && echo 1000 && exit 0\nexec /usr/bin/id "$@"\n`);
  chmodSync(join(idBin, "id"), 0o755);
  return { sudoBin, idBin };
}
