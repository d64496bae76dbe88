import { Buffer } from "node:buffer";

/** Single-quotes a word for POSIX sh. */
export function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes content atomically (temp + rename) and keeps a backup of a different file it replaces.
 * The content travels base64-encoded so no character in it can end the command.
 */
export function atomicWrite(path: string, content: string, mode: string, backupSuffix: string): string {
  const b64 = Buffer.from(content, "utf8").toString("base64");
  const p = quote(path);
  const tmp = quote(`${path}.wgsite-tmp`);
  const backup = quote(`${path}.wgsite-backup-${backupSuffix}`);
  return [
    `mkdir -p ${quote(path.slice(0, path.lastIndexOf("/")) || "/")}`,
    `(umask 077 && printf %s ${b64} | base64 -d > ${tmp})`,
    `chmod ${mode} ${tmp}`,
    `{ [ ! -e ${p} ] || cmp -s ${p} ${tmp} || cp -p ${p} ${backup}; }`,
    `mv -f ${tmp} ${p}`,
  ].join(" && ");
}

/** The undo of atomicWrite: the backup back in place, or the file removed when there was none. */
export function restoreWrite(path: string, backupSuffix: string, existed: boolean): string {
  const backup = quote(`${path}.wgsite-backup-${backupSuffix}`);
  return existed ? `{ [ -e ${backup} ] && mv -f ${backup} ${quote(path)}; true; }` : `rm -f ${quote(path)}`;
}
