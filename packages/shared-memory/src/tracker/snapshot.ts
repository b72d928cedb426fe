/**
 * The tracker's snapshot: what it absorbed from journals it has since deleted, so that a
 * successor (started when the tracker was SIGKILLed, see `tracker/client.ts`) knows every name
 * the program owns. Written beside the journals, by rename, just before a pass deletes journals;
 * with it a successor reads each journal on from the offset the snapshot recorded, so no line
 * counts twice and none is lost.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the snapshot file in the tracker's directory. */
export const SNAPSHOT_FILE = 'state.json';

/** One name's latest event: owned (with its warn flag) or a tombstone, at time `t`. */
export interface NameEvent {
  t: number;
  owned: boolean;
  warn: boolean;
}

export interface Snapshot {
  names: [name: string, t: number, owned: boolean, warn: boolean][];
  /** Journal file name → bytes consumed, always at a line boundary. */
  offsets: Record<string, number>;
}

export function saveSnapshot(
  dir: string,
  names: ReadonlyMap<string, NameEvent>,
  offsets: Record<string, number>,
): void {
  const snapshot: Snapshot = { names: [], offsets };
  for (const [name, e] of names) snapshot.names.push([name, e.t, e.owned, e.warn]);
  const temporary = join(dir, `${SNAPSHOT_FILE}.${process.pid}`);
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, join(dir, SNAPSHOT_FILE));
}

/** The predecessor's snapshot, or `undefined` when there is none (a first tracker). */
export function loadSnapshot(dir: string): Snapshot | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, SNAPSHOT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const snapshot = JSON.parse(text) as Snapshot;
    return Array.isArray(snapshot.names) && typeof snapshot.offsets === 'object'
      ? snapshot
      : undefined;
  } catch {
    return undefined; // renamed into place whole, so only a foreign file gets here
  }
}
