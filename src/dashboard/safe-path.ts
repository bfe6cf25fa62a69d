/**
 * The one gate between a request and the file system: every path the dashboard touches is named
 * relative to the runs root and resolved here. A path is refused when it is absolute, carries a NUL
 * byte, climbs out of the root lexically (`..`), or lands outside it through a symbolic link.
 */
import { realpathSync, existsSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** True when `child` is `root` itself or lies inside it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

export class SafeRoot {
  /** The root as given, resolved. */
  readonly root: string;
  /** The root with its own symbolic links resolved (a runs folder may itself be a link). */
  readonly realRoot: string;

  constructor(root: string) {
    this.root = resolve(root);
    if (!existsSync(this.root)) throw new NotFoundError(`runs directory ${this.root} does not exist`);
    this.realRoot = realpathSync(this.root);
  }

  /**
   * Resolves a relative path (already URL-decoded, '/'-separated) to an absolute path inside the
   * root whose real location is inside the real root too. Throws NotFoundError otherwise, also when
   * the file does not exist, so a caller cannot tell "outside" from "absent".
   */
  resolve(relative: string): string {
    if (relative.includes('\0') || relative.includes('\\')) throw new NotFoundError(`not found: ${relative}`);
    const cleaned = relative.replace(/^\/+/, '');
    if (isAbsolute(cleaned)) throw new NotFoundError(`not found: ${relative}`);
    const segments = cleaned.split('/');
    // Refuse ".." outright, even when it would stay inside: no legitimate link needs it.
    if (segments.some((s) => s === '..')) throw new NotFoundError(`not found: ${relative}`);
    const full = resolve(this.root, cleaned);
    if (!isInside(this.root, full)) throw new NotFoundError(`not found: ${relative}`);
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      throw new NotFoundError(`not found: ${relative}`);
    }
    if (!isInside(this.realRoot, real)) throw new NotFoundError(`not found: ${relative}`);
    return full;
  }

  /** Like resolve, but returns null instead of throwing. */
  tryResolve(relative: string): string | null {
    try {
      return this.resolve(relative);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** The '/'-separated path of an absolute path inside the root ('.' for the root itself). */
  relative(absolute: string): string {
    const full = resolve(absolute);
    if (!isInside(this.root, full)) throw new NotFoundError(`not inside the runs directory: ${absolute}`);
    return full.slice(this.root.length).split(sep).filter(Boolean).join('/') || '.';
  }
}
