// The origin's storage: whether the browser keeps it (persistent) or may evict it under pressure, and
// how much is used out of the quota. Thin wrappers over the StorageManager API, safe where it is missing.

export interface StorageEstimateInfo {
  usage: number;
  quota: number;
}

/** Asks the browser to keep this origin's data (never evicted without the user). Null: API missing. */
export async function requestPersistence(): Promise<boolean | null> {
  const manager = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!manager?.persist) return null;
  try {
    if (await manager.persisted()) return true;
    return await manager.persist();
  } catch {
    return false;
  }
}

export async function storageEstimate(): Promise<StorageEstimateInfo | null> {
  const manager = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!manager?.estimate) return null;
  try {
    const { usage = 0, quota = 0 } = await manager.estimate();
    return { usage, quota };
  } catch {
    return null;
  }
}

/**
 * Bytes an ingest of a file of `fileSize` bytes is expected to store: each record is kept as a sample
 * (the fields Quarry shows) and as the original record, plus indexes. Measured on the demo and the
 * 100k fixtures at about 2-2.5x the file; 3x leaves room for scores.
 */
export function expectedIngestBytes(fileSize: number): number {
  return fileSize * 3;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
