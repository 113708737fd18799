/**
 * Where the CO may ask for a publish target: strictly below one of the configured roots (`--publish-root`;
 * in Kubernetes the kubelet directory, the only place the kubelet ever names). Found by probing (issue #7
 * part 8): NodePublishVolume bind-mounted a volume onto `/etc` when asked. The lexical check runs before
 * any I/O; the canonical check (symlinks resolved in the parent, as the kernel will) runs just before the
 * mount, so a symlinked directory under a root cannot lead outside it.
 */
import { realpath } from 'node:fs/promises';
import { MountError } from './errors.js';
import { checkPath } from './paths.js';

const under = (path: string, root: string): boolean => path.startsWith(root === '/' ? '/' : `${root}/`) && path !== root;

export class PublishRoots {
  readonly roots: readonly string[];

  constructor(roots: readonly string[]) {
    this.roots = roots.map((r) => (r === '/' ? '/' : checkPath(r)));
  }

  /** INVALID_ARGUMENT unless the normalised `path` lies strictly below a root. */
  check(path: string): string {
    if (!this.roots.some((r) => under(path, r))) throw this.outside(path);
    return path;
  }

  /** The same rule for the path with symlinks resolved (`canonical`, from canonicalPath). */
  async checkCanonical(path: string, canonical: string): Promise<void> {
    const resolved = await Promise.all(this.roots.map((r) => realpath(r).catch(() => r)));
    if (!resolved.some((r) => under(canonical, r))) {
      throw new MountError('INVALID_ARGUMENT', `path ${JSON.stringify(path)} leads to ${JSON.stringify(canonical)}, outside the publish roots (${this.roots.join(', ')})`);
    }
  }

  private outside(path: string): MountError {
    return new MountError('INVALID_ARGUMENT', `path ${JSON.stringify(path)} is not below a publish root (${this.roots.join(', ')}; --publish-root)`);
  }
}
