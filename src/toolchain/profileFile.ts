// Reading a heap profile file for core/profile: the bytes of profile.proto, gunzipped when the file
// is gzip (as runtime/pprof writes it), with the decompressed size capped so a gzip bomb costs at
// most the cap in memory and ends in a clear error. Decoding and the join: core/profile/join.ts.
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { ProfileInputError, type HeapProfile } from '../core/profile/decode.ts';
import { joinProfile, type ProfileJoin, type ProfileModule } from '../core/profile/join.ts';
import type { AllocationSite } from '../core/sites/site.ts';

const gunzipAsync = promisify(gunzip);

/** The default cap on a profile's decompressed size: well above the 100 MB profiles of large services. */
export const defaultMaxProfileBytes = 1024 * 1024 * 1024;

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * gunzipProfile: the profile.proto bytes of `raw`, which may be gzip or plain. Throws
 * ProfileInputError for a truncated or corrupt gzip stream and for one that inflates beyond maxBytes.
 */
export async function gunzipProfile(raw: Uint8Array, maxBytes = defaultMaxProfileBytes, shown = 'the profile'): Promise<Uint8Array> {
  if (!isGzip(raw)) {
    if (raw.length > maxBytes)
      throw new ProfileInputError(`${shown} is ${raw.length} bytes, above the ${maxBytes}-byte limit for a profile`);
    return raw;
  }
  try {
    // maxOutputLength stops inflating at the cap: memory stays bounded whatever the ratio.
    return await gunzipAsync(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new ProfileInputError(`${shown} inflates to more than ${maxBytes} bytes (a gzip bomb, or a profile above the limit): not read`);
    if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message))
      throw new ProfileInputError(`${shown} is a truncated gzip file (it ends before the compressed data does): not a complete profile`);
    throw new ProfileInputError(
      `${shown} is a corrupt gzip file (${err.message.replace(/unknown/gi, 'unrecognised')}): not a readable profile`,
    );
  }
}

/** readProfileFile: a profile file's profile.proto bytes (see gunzipProfile); a missing or empty file is ProfileInputError. */
export async function readProfileFile(path: string, maxBytes = defaultMaxProfileBytes): Promise<Uint8Array> {
  const shown = `profile ${path}`;
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new ProfileInputError(`${shown} is a directory, not a profile file`);
    size = st.size;
  } catch (e) {
    if (ProfileInputError.is(e)) throw e;
    throw new ProfileInputError(`cannot read ${shown}: ${(e as Error).message}`);
  }
  if (size === 0) throw new ProfileInputError(`${shown} is empty (0 bytes): not a heap profile`);
  // A gzip file is at least ~1000× smaller than what it inflates to only for bombs; a plain file above the cap is refused unread.
  if (size > maxBytes) throw new ProfileInputError(`${shown} is ${size} bytes, above the ${maxBytes}-byte limit for a profile`);
  return gunzipProfile(await readFile(path), maxBytes, shown);
}

/** moduleOf: the module path a go.mod declares, or undefined when it cannot be read. */
async function moduleOf(dir: string): Promise<ProfileModule | undefined> {
  try {
    const m = /^\s*module\s+("?)([^\s"]+)\1/m.exec(await readFile(join(dir, 'go.mod'), 'utf8'));
    return m ? { path: m[2]!, dir } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * joinProfileWithAnalysis: the join of a decoded profile with an analysis of the module
 * directories `moduleDirs` (AnalysisResult.modules), reading the current source of the files the
 * profile names (cached, each read once) to explain the lines no site covers.
 */
export async function joinProfileWithAnalysis(
  profile: HeapProfile,
  sites: readonly AllocationSite[],
  moduleDirs: readonly string[],
  opts: { readonly file: string; readonly mismatch?: 'error' | 'warn' },
): Promise<ProfileJoin> {
  const modules = (await Promise.all(moduleDirs.map(moduleOf))).filter((m): m is ProfileModule => m !== undefined);
  const cache = new Map<string, readonly string[] | undefined>();
  const sourceLines = (file: string) => {
    if (!cache.has(file)) {
      let lines: string[] | undefined;
      try {
        lines = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        lines = undefined;
      }
      cache.set(file, lines);
    }
    return cache.get(file);
  };
  return joinProfile(profile, sites, { ...opts, modules, sourceLines });
}
